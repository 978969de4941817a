"""Admin → Skill model: the model every server uses, as its card describes it."""


def test_before_the_first_fit_it_says_verdicts_use_provisional_priors(client, demo, login_as):
    login_as("admin")
    page = client.get("/admin/model").get_data(as_text=True)
    assert "No fitted model yet" in page and "data-model-sha" not in page


def test_the_card_of_the_model_in_use(client, fitted_demo, login_as):
    from app.services import model_store

    login_as("admin")
    page = client.get("/admin/model").get_data(as_text=True)
    head, card = model_store.head(), model_store.card()
    assert f'data-model-sha="{head.sha256}"' in page and head.sha256[:12] in page
    assert f"{card['responses']} answers from {card['persons']} people" in page
    assert f"AUC {card['validation']['auc']:.3f}" in page and "opportunity-pipeline" in page
    assert client.get("/admin/").get_data(as_text=True).count("/admin/model") == 1

"""The fitted model lives in the database: a refit by any process is the model every server reads next,
nothing is kept on one machine's disk, bytes are checked before unpickling, and a deployment that
still has model files from before is taken over once."""
import json
from pathlib import Path

import joblib
import pytest
from sqlalchemy import func, select

from app.models import StoredModel
from app.services import model_store, skill_model


def test_a_model_stored_by_another_process_is_the_one_read_next(fitted_demo, app, db):
    bundle, card = skill_model.current_bundle()
    assert card["sha256"] == model_store.head().sha256
    # another server (or the worker) refits: it commits a new row; this process's cache is not told
    newer = model_store.save({**bundle, "note": "refit elsewhere"}, {**card, "responses": card["responses"] + 1})
    with app.test_request_context("/"):
        fresh, fresh_card = skill_model.current_bundle()
    assert fresh_card["sha256"] == newer["sha256"] != card["sha256"] and fresh["note"] == "refit elsewhere"
    model_store.save(bundle, {**card, "responses": 1})
    assert db.session.scalar(select(func.count(StoredModel.id))) == model_store.KEEP  # older ones go


def test_the_model_in_use_is_asked_once_per_request(fitted_demo, app, db):
    from sqlalchemy import event

    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with app.test_request_context("/"):
            first = model_store.head()
            for _ in range(5):
                assert model_store.head() == first
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert sum("stored_model" in s for s in statements) == 1


def _old_files(folder: Path, model, tamper=False):
    """Model files as a deployment before this change left them under instance/models/."""
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "skill-model-abc.joblib")
    import hashlib

    sha = hashlib.sha256((folder / "skill-model-abc.joblib").read_bytes()).hexdigest()
    import sklearn

    (folder / "skill-model.json").write_text(json.dumps({"model_file": "skill-model-abc.joblib", "sha256": sha,
                                                         "sklearn_version": sklearn.__version__, "responses": 7}))
    if tamper:
        (folder / "skill-model-abc.joblib").write_bytes(b"swapped on disk")
    return sha


@pytest.mark.parametrize("tamper", [False, True])
def test_model_files_from_before_are_taken_in_once_when_their_hash_checks_out(content_loaded, app, db, tamper):
    folder = Path(app.instance_path) / "models"
    sha = _old_files(folder, {"model": "a fitted model", "keys": [], "skills": []}, tamper)
    found = model_store.head()
    if tamper:
        assert found is None and db.session.scalar(select(func.count(StoredModel.id))) == 0
        return
    assert found.sha256 == sha
    row = db.session.get(StoredModel, found.id)
    assert row.card["adopted_from"] == "instance/models" and row.card["responses"] == 7
    assert model_store.load(found)[0]["model"] == "a fitted model"
    model_store.head()
    assert db.session.scalar(select(func.count(StoredModel.id))) == 1  # once

import pytest

from app.services.access import get_person_for, get_unit_for, visible_units
from app.services.errors import NotFound
from tests.helpers import user_by_email


def _unit(user_email):
    return user_by_email(user_email).business_unit


def test_visible_units_by_role(demo):
    admin, trainer, trainee = (user_by_email(f"{r}@demo.uptake") for r in ("admin", "trainer", "trainee"))
    assert len(visible_units(admin)) == 4
    assert {u.name for u in visible_units(trainer)} == {"Sales North America", "Sales EMEA"}
    assert visible_units(trainee) == []


def test_trainer_reaches_own_units_and_their_trainees_only(demo):
    trainer = user_by_email("trainer@demo.uptake")
    own_trainee = user_by_email("trainee@demo.uptake")
    other_trainer = user_by_email("trainer2@demo.uptake")
    service_unit = other_trainer.trained_units[0]
    assert get_unit_for(trainer, own_trainee.business_unit_id) is own_trainee.business_unit
    assert get_person_for(trainer, own_trainee.id) is own_trainee
    with pytest.raises(NotFound):
        get_unit_for(trainer, service_unit.id)
    stranger = service_unit.members[0]
    with pytest.raises(NotFound):
        get_person_for(trainer, stranger.id)
    with pytest.raises(NotFound):
        get_person_for(trainer, other_trainer.id)  # trainers are not trainees of a unit


def test_trainee_reaches_only_themselves(demo):
    trainee = user_by_email("trainee@demo.uptake")
    colleague = next(m for m in trainee.business_unit.members if m.id != trainee.id)
    assert get_person_for(trainee, trainee.id) is trainee
    with pytest.raises(NotFound):
        get_person_for(trainee, colleague.id)
    with pytest.raises(NotFound):
        get_unit_for(trainee, trainee.business_unit_id)

import pytest
from sqlalchemy import func, select, update

from app.models import User


def test_demo_load_twice_duplicates_nothing_and_prints_accounts(runner, db):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.uptake" in first.output and "uptake-demo" in first.output
    count = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert "0 users created" in second.output
    assert db.session.scalar(select(func.count(User.id))) == count


def test_content_load_reports_counts_and_is_idempotent(runner, demo):
    first = runner.invoke(args=["content", "load"])
    assert first.exit_code == 0, first.output
    assert "121 created" in first.output and "Quizzes: 8" in first.output and "Exercises: 12" in first.output
    second = runner.invoke(args=["content", "load"])
    assert "0 created, 0 updated, 121 unchanged" in second.output


def test_quizzes_sweep_closes_expired_attempts(runner, content_loaded, db):
    from datetime import timedelta

    from sqlalchemy import select

    from app.models import Attempt, Quiz
    from app.models.types import utcnow
    from app.services.attempts import start_attempt
    from tests.helpers import user_by_email

    attempt = start_attempt(user_by_email("trainee@demo.uptake"),
                            db.session.scalar(select(Quiz).where(Quiz.key == "pipeline-hygiene")))
    attempt.deadline_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    result = runner.invoke(args=["quizzes", "sweep"])
    assert "Closed 1 expired attempt(s)." in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).closed_by == "deadline"


@pytest.mark.parametrize("command", [["skills", "refresh"], ["skills", "history"]])
def test_skill_commands_need_active_skills(runner, content_loaded, db, command):
    from app.models import Skill

    db.session.execute(update(Skill).values(active=False))
    db.session.commit()
    result = runner.invoke(args=command)
    assert result.exit_code != 0 and "No active skills to estimate" in result.output


def test_refresh_works_before_the_first_fit(runner, content_loaded):
    result = runner.invoke(args=["skills", "refresh"])
    assert result.exit_code == 0 and "Refreshed the estimates of" in result.output, result.output


def test_history_replays_once_and_refresh_re_estimates_everyone(runner, fitted_demo, db):
    from app.models import MasteryHistory

    first = runner.invoke(args=["skills", "history"])
    assert first.exit_code == 0 and "rebuilt for 44 trainee(s)" in first.output, first.output
    rows = db.session.scalar(select(func.count(MasteryHistory.id)))
    again = runner.invoke(args=["skills", "history"])
    assert "rebuilt for 0 trainee(s): 0 change(s)" in again.output
    assert db.session.scalar(select(func.count(MasteryHistory.id))) == rows
    refreshed = runner.invoke(args=["skills", "refresh"])
    assert refreshed.exit_code == 0 and "Refreshed the estimates of 44 trainee(s)." in refreshed.output
    assert db.session.scalar(select(func.count(MasteryHistory.id))) == rows  # nothing changed meanwhile


def test_crm_import_streams_a_file_reports_unmatched_users_and_imports_once(runner, fitted_demo, db):
    from pathlib import Path

    from app.models import CrmEvent
    from app.services.demo import DEMO_ORGANISATION

    path = str(Path(__file__).parent / "data" / "crm" / "EventLogFile_Login.csv")
    dry = runner.invoke(args=["crm", "import", path, "--org", DEMO_ORGANISATION, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "5 new events" in dry.output and "not matched: 0055g00000XyZwQAAV m.keller@corp.example" in dry.output
    assert "Dry run" in dry.output and db.session.scalar(select(func.count()).select_from(CrmEvent)) == 0
    done = runner.invoke(args=["crm", "import", path, "--org", DEMO_ORGANISATION])
    assert done.exit_code == 0 and "Imported" in done.output
    again = runner.invoke(args=["crm", "import", path, "--org", DEMO_ORGANISATION])
    assert "0 new events, 5 already imported" in again.output
    assert db.session.scalar(select(func.count()).select_from(CrmEvent)) == 5
    wrong = runner.invoke(args=["crm", "import", path, "--org", "Nobody Ltd"])
    assert wrong.exit_code != 0 and "No organisation is called" in wrong.output
    notes = Path(db.engine.url.database or "/tmp/x").parent / "notes.csv"
    notes.write_text("a,b\n1,2\n")
    refused = runner.invoke(args=["crm", "import", str(notes), "--org", DEMO_ORGANISATION])
    assert refused.exit_code != 0 and "does not recognise" in refused.output

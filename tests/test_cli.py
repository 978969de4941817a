from sqlalchemy import func, select

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

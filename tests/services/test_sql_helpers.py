"""Dialect-aware SQL helpers, run on whichever database the suite uses (SQLite here, PostgreSQL in CI)."""
from sqlalchemy import Float, func, literal, select, true, union_all

from app.models import Evidence, User
from app.models.types import utcnow
from app.services.sql import EXACT, among, exact, json_elements


def test_among_matches_short_and_company_sized_lists(demo, db):
    ids = sorted(db.session.scalars(select(User.id)))
    assert sorted(db.session.scalars(select(User.id).where(among(User.id, ids[:3])))) == ids[:3]
    # 70,000 ids: past PostgreSQL's 65,535 parameters a statement and SQLite's 32,766 if sent one by one
    many = ids[:2] + list(range(10**7, 10**7 + 70_000))
    assert sorted(db.session.scalars(select(User.id).where(among(User.id, many)))) == ids[:2]
    assert list(db.session.scalars(select(User.id).where(among(User.id, [])))) == []


def test_json_elements_reads_a_json_list_column(demo, db):
    person = db.session.scalar(select(User.id).order_by(User.id))
    db.session.add(Evidence(user_id=person, source="quiz", skills=["lead-management", "reporting"], score=1.0,
                            time_spent_ms=0, occurred_at=utcnow()))
    db.session.commit()
    skill = json_elements(Evidence.skills)
    assert sorted(db.session.scalars(select(skill.c.value).select_from(Evidence).join(skill, true())
                                     .where(Evidence.user_id == person))) == ["lead-management", "reporting"]


def test_exact_sums_do_not_depend_on_the_order_rows_arrive_in(db):
    """Stored dashboard figures must equal the same figures computed live, whatever order the
    database scans rows in: in floating point (0.1 + 0.2) + 0.3 and 0.3 + (0.2 + 0.1) differ."""
    for rows in ([0.1, 0.2, 0.3], [0.3, 0.2, 0.1]):
        table = union_all(*(select(literal(x, Float).label("x")) for x in rows)).subquery()
        total, mean = db.session.execute(select(func.sum(exact(table.c.x)), func.avg(exact(table.c.x)))).one()
        assert float(total) / EXACT == 0.6 and float(mean) / EXACT == 0.2

"""The demo organisation: units, job roles, skills, 44 trainees, 2 trainers and an admin.

Loading is idempotent: every record is found by its natural key and only created when missing,
so `make run` twice duplicates nothing (and leaves edits made through the admin pages alone).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import BusinessUnit, JobRole, Organisation, User
from app.services.passwords import hash_password

DEMO_ORGANISATION = "Northwind Demo Co."
DEMO_PASSWORD = "uptake-demo"  # the published demo password  # nosec B105
DEMO_DOMAIN = "demo.uptake"

UNITS = {
    "Sales North America": "Field and inside sales for the US and Canada.",
    "Sales EMEA": "Account executives and managers across Europe, the Middle East and Africa.",
    "Customer Service": "Tier-1 and tier-2 support agents handling cases by phone, email and chat.",
    "Marketing": "Campaigns, events and lead generation.",
}
JOB_ROLES = {
    "account executive": "Owns accounts and opportunities from first call to close.",
    "sales manager": "Runs a sales team, its pipeline reviews and forecasts.",
    "service agent": "Resolves customer cases within service levels.",
    "marketing specialist": "Plans campaigns and hands qualified leads to sales.",
}
# (unit, job role, how many)
TRAINEE_MIX = [
    ("Sales North America", "account executive", 10),
    ("Sales North America", "sales manager", 2),
    ("Sales EMEA", "account executive", 10),
    ("Sales EMEA", "sales manager", 2),
    ("Customer Service", "service agent", 12),
    ("Marketing", "marketing specialist", 8),
]
FIRST = ["Amara", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
         "Liam", "Maya", "Nikolai", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tessa", "Umar", "Vera"]
LAST = ["Okafor", "Schmidt", "Dubois", "Rossi", "Tanaka", "Novak", "Haddad", "Larsen", "Moreau", "Silva"]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    description: str


DEMO_ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_DOMAIN}", "admin", "manages users, units, roles and skills"),
    DemoAccount(f"trainer@{DEMO_DOMAIN}", "trainer", "responsible for Sales North America and Sales EMEA"),
    DemoAccount(f"trainer2@{DEMO_DOMAIN}", "trainer", "responsible for Customer Service and Marketing"),
    DemoAccount(f"trainee@{DEMO_DOMAIN}", "trainee", "account executive in Sales EMEA"),
    DemoAccount(f"vera.larsen21@{DEMO_DOMAIN}", "trainee", "sales manager in Sales EMEA, Tara's line manager (My team)"),
)


def _get_or_create(model, defaults: dict | None = None, **keys):
    record = db.session.scalar(select(model).filter_by(**keys))
    if record is None:
        record = model(**keys, **(defaults or {}))
        db.session.add(record)
        db.session.flush()
    return record


def _demo_people() -> list[tuple[str, str, str, str]]:
    """(email, name, unit, job role) for every demo trainee, deterministic."""
    people = [(f"trainee@{DEMO_DOMAIN}", "Tara Ingram", "Sales EMEA", "account executive")]
    index = 0
    for unit, role, count in TRAINEE_MIX:
        if (unit, role) == ("Sales EMEA", "account executive"):
            count -= 1  # the named demo trainee is one of them
        for _ in range(count):
            first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
            people.append((f"{first}.{last}{index}@{DEMO_DOMAIN}".lower(), f"{first} {last}", unit, role))
            index += 1
    return people


def load_demo() -> dict[str, int]:
    """Create whatever of the demo organisation is missing; return counts of what was created."""
    created = {"users": 0}
    org = _get_or_create(Organisation, name=DEMO_ORGANISATION)
    units = {name: _get_or_create(BusinessUnit, {"description": d, "active": True}, organisation_id=org.id, name=name)
             for name, d in UNITS.items()}
    roles = {name: _get_or_create(JobRole, {"description": d, "active": True}, organisation_id=org.id, name=name)
             for name, d in JOB_ROLES.items()}
    from app.services.content import ensure_taxonomy

    ensure_taxonomy()

    existing = set(db.session.scalars(select(User.email)))
    password_hash = None  # hashed once: the strong hash costs ~0.4 s

    def add_user(email: str, name: str, role: str, **extra) -> User | None:
        nonlocal password_hash
        if email in existing:
            return None
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(organisation_id=org.id, email=email, name=name, role=role, password_hash=password_hash,
                    active=True, session_version=1, **extra)
        db.session.add(user)
        created["users"] += 1
        return user

    add_user(f"admin@{DEMO_DOMAIN}", "Ada Admin", "admin")
    for email, name, trained in (
        (f"trainer@{DEMO_DOMAIN}", "Theo Trainer", ["Sales North America", "Sales EMEA"]),
        (f"trainer2@{DEMO_DOMAIN}", "Priya Coach", ["Customer Service", "Marketing"]),
    ):
        trainer = add_user(email, name, "trainer")
        if trainer is not None:
            trainer.trained_units = [units[u] for u in trained]
    for email, name, unit, role in _demo_people():
        add_user(email, name, "trainee", business_unit=units[unit], job_role=roles[role])
    db.session.flush()
    _line_managers(units, roles)
    db.session.commit()
    return created


def _line_managers(units: dict, roles: dict) -> None:
    """In each sales unit the two sales managers each manage half the account executives (teams
    of 5: just at the minimum group size, so their team view shows skill figures)."""
    for unit_name in ("Sales North America", "Sales EMEA"):
        def members(role_name):
            return list(db.session.scalars(select(User).where(
                User.business_unit_id == units[unit_name].id, User.job_role_id == roles[role_name].id)
                .order_by(User.id)))
        managers, executives = members("sales manager"), members("account executive")
        if not managers:
            continue
        for index, person in enumerate(executives):
            if person.manager_id is None:
                person.manager_id = managers[min(index * len(managers) // len(executives), len(managers) - 1)].id

"""Typed SQLAlchemy models, one module per domain area."""
from app.models.people import (  # noqa: F401
    ROLES,
    BusinessUnit,
    JobRole,
    Organisation,
    Skill,
    User,
    trainer_units,
)

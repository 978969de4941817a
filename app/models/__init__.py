"""Typed SQLAlchemy models, one module per domain area."""
from app.models.attempts import (IN_PROGRESS, SUBMITTED, Attempt, Evidence, Observation, Response,  # noqa: F401
                                 ScenarioAction)
from app.models.content import ContentImport, Item, ItemAsset, ItemVersion, LessonText, Quiz, ScenarioText, item_skills  # noqa: F401
from app.models.people import (  # noqa: F401
    ROLES,
    BusinessUnit,
    JobRole,
    Organisation,
    Skill,
    User,
    trainer_units,
    Invitation,
)
from app.models.skills import MasteryEstimate, MasteryHistory, ModuleProgress, Objective, StoredModel  # noqa: F401,E402
from app.models.audit import AuditEvent, SignInFailure  # noqa: F401,E402
from app.models.training import Assignment, TrainingSession  # noqa: F401,E402
from app.models.jobs import JobLease, UnitFigures  # noqa: F401,E402
from app.models.messages import Message  # noqa: F401,E402
from app.models.sso import SsoConfig  # noqa: F401,E402
from app.models.crm import CrmEvent, CrmImport, CrmIndicator, CrmRecord, CrmStagedRecord, CrmUser  # noqa: F401,E402

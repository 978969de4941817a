"""An organisation's OpenID Connect sign-in: where its identity provider is, who may come in through
it, and where people it has never seen are put."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class SsoConfig(db.Model):
    __tablename__ = "sso_config"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # e.g. https://login.example.com/.well-known/openid-configuration
    discovery_url: Mapped[str] = mapped_column(String(500), default="")
    client_id: Mapped[str] = mapped_column(String(255), default="")
    # the client secret, encrypted with a key derived from the app's SECRET_KEY (never shown again)
    client_secret_sealed: Mapped[str] = mapped_column(Text, default="")
    # lower-case email domains, one per line: an email outside them is refused even if the provider vouches for it
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    # a person the provider knows but Uptake does not: created as a trainee (True) or refused (False)
    provision: Mapped[bool] = mapped_column(Boolean, default=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_unit.id", ondelete="SET NULL"))
    default_job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="SET NULL"))
    # ID-token claims naming the unit and job role of a new person (matched by name; "" = not used)
    unit_claim: Mapped[str] = mapped_column(String(64), default="")
    job_role_claim: Mapped[str] = mapped_column(String(64), default="")
    # passwords stop working for everyone but admins (the way back in if the provider breaks)
    sso_only: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

"""Password hashing with the configured (ASVS-strength by default) scrypt parameters."""
from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD_LENGTH = 12


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the configured ones."""
    return not password_hash.startswith(_method() + "$")


def check_new_password(password: str) -> None:
    from app.services.errors import ValidationFailed

    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if len(password) > 128:
        raise ValidationFailed("Use at most 128 characters.", field="password")

"""Domain errors of the quiz engine."""
from __future__ import annotations


class InvalidAnswer(ValueError):
    """An answer whose shape does not fit the item (e.g. an unknown option id)."""

"""Small immutable records the engine passes around."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One question. `data` holds the type's own fields (options, answer, tolerance, …)."""

    id: str
    type: str
    stem: str
    skills: tuple[str, ...]
    roles: tuple[str, ...]
    explanation: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    difficulty: str = "medium"
    source: str = ""


@dataclass(frozen=True)
class Grade:
    score: float  # 0..1, partial credit where the type allows it
    answered: bool

    @property
    def correct(self) -> bool:
        return self.answered and self.score >= 0.999


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, located precisely enough to fix it."""

    file: str
    item_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f" item {self.item_id}" if self.item_id else "") + (f" field {self.field}" if self.field else "")
        return f"{where}: {self.message}"

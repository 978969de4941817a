"""Text helpers shared by graders and importers."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s\"'“”‘’.,;:!?()\[\]]+|[\s\"'“”‘’.,;:!?()\[\]]+$")


def normalise_text(value: str, keep_case: bool = False) -> str:
    """Case-, width- and space-insensitive form used to compare short text answers (case kept for a
    question that asks for it, Moodle's `usecase`)."""
    value = unicodedata.normalize("NFKC", value)
    value = value if keep_case else value.casefold()
    value = _SPACE.sub(" ", value)
    return _EDGE_PUNCT.sub("", value)


def opaque_id(*parts: str) -> str:
    """A stable id that reveals nothing about position or correctness."""
    return "o" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]

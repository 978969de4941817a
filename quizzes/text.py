"""Text helpers shared by graders and importers."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s\"'“”‘’.,;:!?()\[\]]+|[\s\"'“”‘’.,;:!?()\[\]]+$")


def normalise_text(value: str) -> str:
    """Case-, width- and space-insensitive form used to compare short text answers."""
    value = unicodedata.normalize("NFKC", value).casefold()
    value = _SPACE.sub(" ", value)
    return _EDGE_PUNCT.sub("", value)


def opaque_id(*parts: str) -> str:
    """A stable id that reveals nothing about position or correctness."""
    return "o" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]

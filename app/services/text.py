"""Names and one-line text people type: trimmed, bounded, and free of characters that change how
other text around them is shown (control characters, bidirectional overrides) — a name with U+202E
would read backwards wherever it is shown, in the app, in a CSV and in a calendar."""
from __future__ import annotations

import unicodedata

from app.services.errors import ValidationFailed

# Embeddings, overrides and isolates (Unicode bidi algorithm, UAX #9); marks such as U+200F stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hidden_characters(text: str) -> list[str]:
    """The control and bidirectional-override characters in `text`, as U+XXXX."""
    return sorted({f"U+{ord(c):04X}" for c in text if c in BIDI_CONTROLS or unicodedata.category(c) == "Cc"})


def _refuse_hidden(text: str, label: str, field: str) -> None:
    found = hidden_characters(text)
    if found:
        raise ValidationFailed(f"{label} contains characters that are not shown but change how text reads "
                               f"({', '.join(found)}); type it again without them.", field=field)


def one_line(raw: str | None, label: str = "Name", max_length: int = 120, field: str = "name") -> str:
    """`raw` with runs of spaces collapsed, checked: present, at most `max_length`
    characters, no line breaks, tabs, control or direction-override characters."""
    text = raw or ""
    _refuse_hidden(text.replace(" ", ""), label, field)
    text = " ".join(text.split())
    if not text:
        raise ValidationFailed(f"Enter a {label.lower()}.", field=field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label} is {len(text)} characters long; use at most {max_length}.", field=field)
    return text


def paragraphs(raw: str | None, label: str = "Description", max_length: int = 2000, field: str = "description") -> str:
    """Free text over several lines (descriptions): line breaks and tabs allowed, nothing else hidden."""
    text = (raw or "").replace("\r\n", "\n").strip()
    _refuse_hidden(text.replace("\n", "").replace("\t", ""), label, field)
    if len(text) > max_length:
        raise ValidationFailed(f"{label} is {len(text)} characters long; use at most {max_length}.", field=field)
    return text

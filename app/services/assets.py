"""Pictures that questions show: stored once by the SHA-256 of their bytes (`ItemAsset`), served to
signed-in people, and written into a question's formatted text where it says `asset:<sha256>`."""
from __future__ import annotations

import re
from typing import Iterable

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.models import ItemAsset
from app.services.errors import NotFound
from quizzes import rich

_SRC = re.compile(r'src="asset:([0-9a-f]{64})"')


def store(assets: Iterable[rich.Asset]) -> int:
    """Keep each picture not stored yet (a picture already stored is the same bytes); how many were new.
    Does not commit."""
    wanted = {a.sha256: a for a in assets}
    if not wanted:
        return 0
    have = set(db.session.scalars(select(ItemAsset.sha256).where(ItemAsset.sha256.in_(wanted))))
    new = [a for sha, a in wanted.items() if sha not in have]
    db.session.add_all(ItemAsset(sha256=a.sha256, content_type=a.content_type, name=a.name[:255], size=len(a.data),
                                 data=a.data) for a in new)
    return len(new)


def get(sha256: str) -> ItemAsset:
    row = db.session.scalar(select(ItemAsset).where(ItemAsset.sha256 == sha256)) if rich.ASSET_SRC.match(
        f"asset:{sha256}") else None
    if row is None:
        raise NotFound("No such picture.")
    return row


def missing(shas: Iterable[str]) -> list[str]:
    """The pictures among these that are not stored (a question cannot show them)."""
    shas = list(dict.fromkeys(shas))
    if not shas:
        return []
    have = set(db.session.scalars(select(ItemAsset.sha256).where(ItemAsset.sha256.in_(shas))))
    return [s for s in shas if s not in have]


def lookup(shas: Iterable[str]) -> dict[str, rich.Asset]:
    """The stored pictures among these, as the exporters take them."""
    shas = list(dict.fromkeys(shas))
    rows = db.session.scalars(select(ItemAsset).where(ItemAsset.sha256.in_(shas))) if shas else []
    return {r.sha256: rich.Asset(r.sha256, r.content_type, r.data, r.name) for r in rows}


def stem_markup(stem: str, stem_html: str | None) -> Markup:
    """A question's text as the page shows it: its formatted text (sanitised again here, whatever
    stored it) with each picture's URL, or its plain text."""
    if not stem_html:
        return Markup('<p class="stem">') + escape(stem) + Markup("</p>")
    clean = _SRC.sub(lambda m: f'src="{url_for("main.asset", sha256=m.group(1))}"', rich.sanitise(stem_html))
    return Markup('<div class="stem stem-rich">') + Markup(clean) + Markup("</div>")  # nosec B704 - sanitised by nh3 above

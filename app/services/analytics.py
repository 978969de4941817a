"""Item and check analytics, so trainers can fix bad items and see which checks people fail: from
their own organisation's answers and exercises only (another organisation's are never counted)."""
from __future__ import annotations

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Evidence, Item, ItemVersion, User
from app.services.simulation import check_title
from app.services.skill_model import current_bundle


def item_stats(organisation_id: int) -> list[dict]:
    """Per version of each question the organisation's people answered (a reworded question is another
    question to them): answers, share correct (difficulty), the wording of that version, and the model's
    discrimination index — how much likelier someone with all the item's skills is to get it right than
    someone with none (the model is fitted on every organisation's answers: no one's answers show in it)."""
    version = func.coalesce(Evidence.item_version, 1)
    counted = (select(Evidence.item_id, version.label("version"), func.count(Evidence.id).label("n"),
                      func.avg(Evidence.score).label("mean"))
               .join(User, User.id == Evidence.user_id)
               .where(User.organisation_id == organisation_id, Evidence.item_id.is_not(None))
               .group_by(Evidence.item_id, version).subquery())
    rows = db.session.execute(
        select(Item.key, func.coalesce(ItemVersion.stem, Item.stem), func.coalesce(ItemVersion.type, Item.type),
               counted.c.n, counted.c.mean, counted.c.version, Item.version)
        .join(counted, counted.c.item_id == Item.id)
        .outerjoin(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.number == counted.c.version))).all()
    bundle, _ = current_bundle()
    index = {k: i for i, k in enumerate(bundle["keys"])} if bundle else {}
    result = []
    for key, stem, kind, n, mean, number, current in rows:
        discrimination = None
        if key in index:
            model, j = bundle["model"], index[key]
            size = 2 ** int(model.sizes_[j])
            discrimination = float(model.params_[j, size - 1] - model.params_[j, 0])
        result.append({"key": key, "stem": stem, "type": kind, "version": int(number), "current": number == current,
                       "answers": int(n), "correct": float(mean or 0),
                       "discrimination": discrimination,
                       "flag": discrimination is not None and discrimination < 0.2})
    return sorted(result, key=lambda r: r["correct"])


def check_stats(organisation_id: int) -> list[dict]:
    rows = db.session.execute(select(Evidence.check_key, func.count(Evidence.id), func.avg(Evidence.score),
                                     func.sum(case((Evidence.score < 0.999, 1), else_=0)))
                              .join(User, User.id == Evidence.user_id)
                              .where(Evidence.check_key.is_not(None), Evidence.source == "scenario",
                                     User.organisation_id == organisation_id)
                              .group_by(Evidence.check_key)).all()
    result = [{"check": key, "title": check_title(key), "results": int(n), "mean": float(mean or 0), "failed": int(failed or 0),
               "fail_rate": (failed or 0) / n if n else 0.0} for key, n, mean, failed in rows]
    return sorted(result, key=lambda r: -r["fail_rate"])

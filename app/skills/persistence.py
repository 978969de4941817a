"""Fitted models as bytes beside a JSON card, for the database to keep (`app.services.model_store`).

The card records the scikit-learn version, the training-data snapshot, the date, validation scores
and the SHA-256 of the model's bytes. `load` refuses bytes whose hash does not match the card the
app wrote, so only models the app wrote itself are ever unpickled, and a model fitted with another
scikit-learn version is refused rather than half-read.
"""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone
from typing import Any

import joblib
import sklearn


class ModelFileError(RuntimeError):
    pass


def dump(model: Any, card: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """The model as bytes and its full card (with the bytes' SHA-256 and the scikit-learn version)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    data = buffer.getvalue()
    full = {**card, "sklearn_version": sklearn.__version__, "created_at": datetime.now(timezone.utc).isoformat(),
            "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return data, full


def load(data: bytes, card: dict[str, Any]) -> Any:
    """The model, only if the bytes are the ones the card describes and this scikit-learn wrote them."""
    if not card.get("sha256") or hashlib.sha256(data).hexdigest() != card["sha256"]:
        raise ModelFileError("the stored skill model does not match its card; refusing to load it")
    if card.get("sklearn_version") != sklearn.__version__:
        raise ModelFileError(f"the model was fitted with scikit-learn {card.get('sklearn_version')}, "
                             f"this is {sklearn.__version__}; run `flask skills fit` again")
    return joblib.load(io.BytesIO(data))

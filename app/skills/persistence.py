"""Saving and loading fitted models in the instance folder, each beside a JSON card.

The card records the scikit-learn version, the training-data snapshot, the date, validation
scores and the SHA-256 of the model file. `load` refuses a model file whose hash does not match
the card the app wrote, so only files the app wrote itself are ever unpickled. Saving writes to
temporary names and renames atomically: a running app keeps using the previous model until the
new one is complete.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib
import sklearn

MODEL_FILE, CARD_FILE = "skill-model.joblib", "skill-model.json"


class ModelFileError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: Any, folder: Path, card: dict[str, Any]) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    tmp_model, tmp_card = folder / (MODEL_FILE + ".tmp"), folder / (CARD_FILE + ".tmp")
    joblib.dump(model, tmp_model)
    full = {**card, "sklearn_version": sklearn.__version__, "created_at": datetime.now(timezone.utc).isoformat(),
            "model_file": MODEL_FILE, "sha256": _sha256(tmp_model)}
    tmp_card.write_text(json.dumps(full, indent=2, sort_keys=True))
    os.replace(tmp_model, folder / MODEL_FILE)
    os.replace(tmp_card, folder / CARD_FILE)
    return full


def read_card(folder: Path) -> dict[str, Any] | None:
    path = folder / CARD_FILE
    return json.loads(path.read_text()) if path.exists() else None


def load(folder: Path) -> tuple[Any, dict[str, Any]]:
    card = read_card(folder)
    if card is None:
        raise ModelFileError("no fitted skill model yet (run `flask skills fit`)")
    path = folder / card["model_file"]
    if not path.exists() or _sha256(path) != card["sha256"]:
        raise ModelFileError("the skill model file does not match its card; refusing to load it")
    if card.get("sklearn_version") != sklearn.__version__:
        raise ModelFileError(f"the model was fitted with scikit-learn {card.get('sklearn_version')}, "
                             f"this is {sklearn.__version__}; run `flask skills fit` again")
    return joblib.load(path), card

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

CARD_FILE = "skill-model.json"
MODEL_PATTERN = "skill-model-*.joblib"


class ModelFileError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: Any, folder: Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write the model under a name of its own (its hash), then swap the card that points to it in
    one rename: a reader sees the old card and old file or the new card and new file, never a mix.
    The previous model file is kept for a reader that read the old card a moment ago."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp_model, tmp_card = folder / f".model.{os.getpid()}.tmp", folder / f".card.{os.getpid()}.tmp"
    joblib.dump(model, tmp_model)
    sha = _sha256(tmp_model)
    name = f"skill-model-{sha[:16]}.joblib"
    previous = read_card(folder)
    os.replace(tmp_model, folder / name)
    full = {**card, "sklearn_version": sklearn.__version__, "created_at": datetime.now(timezone.utc).isoformat(),
            "model_file": name, "sha256": sha}
    tmp_card.write_text(json.dumps(full, indent=2, sort_keys=True))
    os.replace(tmp_card, folder / CARD_FILE)
    keep = {name, (previous or {}).get("model_file")}
    for old in folder.glob(MODEL_PATTERN):
        if old.name not in keep:
            old.unlink(missing_ok=True)
    return full


def read_card(folder: Path) -> dict[str, Any] | None:
    path = folder / CARD_FILE
    return json.loads(path.read_text()) if path.exists() else None


def load(folder: Path) -> tuple[Any, dict[str, Any]]:
    card = read_card(folder)
    if card is None:
        raise ModelFileError("no fitted skill model yet (run `flask skills fit`)")
    path = folder / Path(str(card.get("model_file", ""))).name  # never outside the folder
    if not path.exists() or _sha256(path) != card["sha256"]:
        raise ModelFileError("the skill model file does not match its card; refusing to load it")
    if card.get("sklearn_version") != sklearn.__version__:
        raise ModelFileError(f"the model was fitted with scikit-learn {card.get('sklearn_version')}, "
                             f"this is {sklearn.__version__}; run `flask skills fit` again")
    return joblib.load(path), card

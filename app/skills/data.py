"""Reading item-response data sets (responses.csv + qmatrix.csv) and turning them into the
observation arrays the model takes: one row per (person, item) with a score in [0, 1]."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class ResponseData:
    persons: list[str]
    items: list[str]
    skills: list[str]
    responses: np.ndarray  # persons × items, float, NaN where not administered
    q_matrix: np.ndarray  # items × skills, 0/1

    def observations(self) -> tuple[np.ndarray, np.ndarray]:
        """X (n × 2: person index, item index) and y (scores) for every observed cell."""
        person, item = np.nonzero(~np.isnan(self.responses))
        return np.column_stack([person, item]), self.responses[person, item]


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def load_dataset(folder: str | Path, qmatrix: str | None = None) -> ResponseData:
    """Load a data set directory. Items are the response columns named in the Q-matrix (`qmatrix`,
    a file name in the folder, else `qmatrix.csv`, else the only `*qmatrix*.csv`; several of those
    without a choice is an error); without a Q-matrix every item measures one skill, 'ability'."""
    folder = Path(folder)
    header, rows = _read_csv(folder / "responses.csv")
    q_path = folder / (qmatrix or "qmatrix.csv")
    if qmatrix and not q_path.exists():
        raise ValueError(f"{folder} has no Q-matrix {qmatrix}")
    if not q_path.exists():
        candidates = sorted(folder.glob("*qmatrix*.csv"))
        if len(candidates) > 1:  # several item→skill maps: choosing one is the caller's decision
            raise ValueError(f"{folder} has {len(candidates)} Q-matrices ({', '.join(c.name for c in candidates)}); "
                             "choose one (qmatrix= here, --qmatrix for bench.evaluate)")
        q_path = candidates[0] if candidates else None
    if q_path is not None:
        q_header, q_rows = _read_csv(q_path)
        skills = q_header[1:]
        q_by_item = {r[0]: [int(float(v)) for v in r[1:]] for r in q_rows if r}
        items = [h for h in header if h in q_by_item]
    else:
        items = header[1:]
        skills = ["ability"]
        q_by_item = {i: [1] for i in items}
    columns = [header.index(i) for i in items]
    responses = np.full((len(rows), len(items)), np.nan)
    for r, row in enumerate(rows):
        for c, col in enumerate(columns):
            value = row[col].strip() if col < len(row) else ""
            if value not in ("", "NA"):
                responses[r, c] = float(value)
    q = np.array([q_by_item[i] for i in items], dtype=np.int8)
    keep = q.sum(axis=1) > 0
    return ResponseData(persons=[row[0] for row in rows], items=[i for i, k in zip(items, keep) if k],
                        skills=skills, responses=responses[:, keep], q_matrix=q[keep])

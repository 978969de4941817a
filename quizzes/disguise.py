"""Per-attempt answer tokens: the ids a browser sees reveal nothing about the right answer.

Content ids (`a`, `b`, … for options, hashes for steps and matches) are the bank's own keys and
stay on the server. Every attempt has a random salt; the browser only ever sees
`token = H(salt, item, content id)`, so the same option has a different token in every attempt and
on every item, the token says nothing about position or correctness, and a token learned in one
attempt is refused in the next. Answers come back as tokens and are turned into content ids before
they are checked, graded and stored.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from quizzes.errors import InvalidAnswer
from quizzes.model import Item
from quizzes.registry import item_type

ID_PREFIX = "t"  # per-attempt answer ids start with it


class Disguise:
    """Maps content ids to an attempt's tokens and back. `salt` is the attempt's random secret."""

    def __init__(self, salt: str):
        if not salt:
            raise ValueError("an attempt needs a salt to disguise its answer ids")
        self._key = salt.encode()

    def token(self, item_id: str, content_id: str) -> str:
        digest = hmac.new(self._key, f"{item_id}\x1f{content_id}".encode(), hashlib.sha256).hexdigest()
        return ID_PREFIX + digest[:12]

    def _table(self, item: Item) -> dict[str, str]:
        return {self.token(item.id, cid): cid for cid in item_type(item).answer_ids(item)}

    def public(self, item: Item, view: dict[str, Any]) -> dict[str, Any]:
        """The type's public view with every answer id replaced by its token."""
        ids = set(item_type(item).answer_ids(item))
        if not ids:
            return view
        out = {}
        for key, value in view.items():
            if isinstance(value, list) and all(isinstance(e, dict) and "id" in e for e in value):
                value = [{**e, "id": self.token(item.id, e["id"]) if e["id"] in ids else e["id"]} for e in value]
            out[key] = value
        return out

    def hide(self, item: Item, answer: Any) -> Any:
        """A stored answer (content ids) as the browser should see it (tokens)."""
        if answer is None:
            return None
        return item_type(item).map_ids(item, answer, lambda cid: self.token(item.id, cid))

    def reveal(self, item: Item, answer: Any) -> Any:
        """An answer sent by the browser (tokens) in content ids; unknown tokens are refused."""
        if answer is None:
            return None
        table = self._table(item)
        if not table:
            return answer

        def lookup(token: Any) -> str:
            if not isinstance(token, str) or token not in table:
                raise InvalidAnswer("That choice is not one of this question's options. Reload the page and answer again.")
            return table[token]

        return item_type(item).map_ids(item, answer, lookup)

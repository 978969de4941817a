"""Numbers from URLs and query strings, bounded to what the database can hold.

Ids are 32-bit integers in every database Uptake runs on; a larger number can name nothing, so the
route answers 404 (path) or treats the value as absent (query) instead of letting the driver raise."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` that matches only 0 … 2**31-1: beyond that the URL matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def db_int(value: str) -> int:
    """`request.args.get(name, type=db_int)`: a whole number the database can hold, else ValueError
    (which Flask reads as "absent" and returns the default)."""
    number = int(value)
    if not -DB_INT_MAX <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number

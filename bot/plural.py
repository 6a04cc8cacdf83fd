"""Counted nouns in plain English: `plural(1, "digest")` is "1 digest", `plural(3, "digest")` "3 digests"."""

from __future__ import annotations


def plural(count: int, singular: str, many: str | None = None, *, width: int = 0) -> str:
    """`count` and the noun that agrees with it. The plural is made from the last word
    ("reply" > "replies", "match" > "matches", "weekly digest" > "weekly digests"); give `many`
    when that is wrong ("member paused from introductions"). `width` right-aligns the number."""
    noun = singular if count == 1 else (many if many is not None else _regular(singular))
    return f"{count:>{width},} {noun}"


def _regular(singular: str) -> str:
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
        return singular[:-1] + "ies"
    return singular + "s"


__all__ = ["plural"]

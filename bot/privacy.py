"""Keep families pseudonymous in logs: never an openid, a short stable tag instead (erasure: bot/erasure.py)."""

from __future__ import annotations

import hashlib

__all__ = ["pseudonym"]


def pseudonym(openid: str) -> str:
    """A short stable tag for logs: lets us follow one family's trail without its openid."""
    return hashlib.sha256(openid.encode("utf-8")).hexdigest()[:10]

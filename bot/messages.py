"""Typed messages in, typed replies out: what the WeChat protocol layer and the handlers share.

Protocol field names stop at bot/wechat/protocol.py; from here on a message is an openid, a kind and text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Incoming", "Reply"]


@dataclass(frozen=True)
class Incoming:
    """One message or event from a parent, with protocol names already translated."""

    openid: str
    kind: str  # text | voice | image | video | location | link | event | unknown
    created_at: datetime
    dedup_key: str
    text: str = ""  # text content, or the voice recognition result
    event: str = ""  # subscribe | unsubscribe | scan | click | view | location | other
    event_key: str = ""  # menu key, or QR scene without the qrscene_ prefix


@dataclass
class Reply:
    """What the bot says back, plus the bookkeeping stored with the message."""

    text: str = ""
    articles: list[dict[str, str]] = field(default_factory=list)
    outcome: str = "answered"  # answered | clarified | escalated | ignored
    intent: str | None = None
    confidence: float | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text and not self.articles

"""WeChat's limits and the error codes that mean one of them was hit, written down once.

The 48 h customer-service window opens with each message or qualifying event from the parent; outside it
only template messages go out. Times are shown to families in China's one time zone.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

__all__ = ["CS_WINDOW", "CS_WINDOW_CLOSED", "MAX_TEXT_BYTES", "SHANGHAI", "UNFOLLOWED", "xml_safe"]

MAX_TEXT_BYTES = 2048  # one text, passive reply or customer-service message (UTF-8); WeChat answers 45002 above it
CS_WINDOW = timedelta(hours=48)
CS_WINDOW_CLOSED = (45015, 45047)  # the window closed / its quota is used up: a template message still goes out
UNFOLLOWED = (43004,)  # the parent no longer follows the account
SHANGHAI = ZoneInfo("Asia/Shanghai")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 forbids (\x0b from Word, other C0 controls): everything we send to
    WeChat goes through this, so a volunteer's pasted answer arrives readable instead of unparseable."""
    return _XML_INVALID.sub("", text)

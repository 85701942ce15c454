"""Messages without words we can read: say politely what the bot can do."""

from __future__ import annotations

from typing import Any

from bot.dispatch import BaseHandler, Context, Reply
from bot.wording import say


class MediaHandler(BaseHandler):
    def check(self, ctx: Context) -> Any | None:
        kind = ctx.incoming.kind
        if kind == "voice" and not ctx.text:
            return "voice_unrecognised"
        if kind in ("image", "video", "location", "link", "unknown"):
            return "media"
        return None

    def handle(self, ctx: Context, found: Any) -> Reply:
        return Reply(text=say(found), outcome="answered", intent=None)

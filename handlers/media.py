"""Messages without words we can read: say politely what the bot can do."""

from __future__ import annotations

from bot.dispatch import BaseHandler, Context, Reply
from bot.wording import say


class MediaHandler(BaseHandler[str]):
    """Finds the wording key to answer with."""

    def check(self, ctx: Context) -> str | None:
        kind = ctx.incoming.kind
        if kind == "voice" and not ctx.text:
            return "voice_unrecognised"
        if kind in ("image", "video", "location", "link", "unknown"):
            return "media"
        return None

    def handle(self, ctx: Context, found: str) -> Reply:
        return Reply(text=say(found), outcome="answered", intent=None)

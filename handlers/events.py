"""WeChat events: follow (welcome, optional centre QR), unfollow, QR scans and menu clicks."""

from __future__ import annotations

from bot.dispatch import BaseHandler, Context, Incoming, Redispatch, Reply
from bot.wording import menu_keys, say
from handlers.base import set_dialogue
from handlers.ports import family

CENTRE_SCENE_PREFIX = "centre_"


class EventHandler(BaseHandler[Incoming]):
    """Matches one WeChat event name."""

    event = ""

    def check(self, ctx: Context) -> Incoming | None:
        incoming = ctx.incoming
        return incoming if ctx.is_event and incoming.event == self.event else None


def join_centre_by_scene(ctx: Context, scene: str) -> str | None:
    """Bind the family to the centre named in `centre_<code>`; the reply line, or None."""
    if not scene.startswith(CENTRE_SCENE_PREFIX):
        return None
    code = scene[len(CENTRE_SCENE_PREFIX):]
    centre = family(ctx).centre_with_code(code)
    if centre is None:
        return say("centre_unknown")
    ctx.user.centre_id = centre.id
    ctx.user.region = ctx.user.region or centre.region
    return say("centre_joined", centre=centre.name, address=centre.address)


class SubscribeHandler(EventHandler):
    event = "subscribe"

    def handle(self, ctx: Context, found: Incoming) -> Reply:
        ctx.user.followed = True
        parts = [say("welcome")]
        joined = join_centre_by_scene(ctx, found.event_key)
        if joined:
            parts.append(joined)
        if not ctx.user.region:
            parts.append(say("ask_region"))
            set_dialogue(ctx, {"await": "region"})
        return Reply(text="\n\n".join(parts), intent="greeting")


class ScanHandler(EventHandler):
    event = "scan"

    def handle(self, ctx: Context, found: Incoming) -> Reply:
        joined = join_centre_by_scene(ctx, found.event_key)
        return Reply(text=joined or say("media"), intent=None)


class UnsubscribeHandler(EventHandler):
    """Unfollowing stops everything: no reminders, no pending dialogue. WeChat shows no reply."""

    event = "unsubscribe"

    def handle(self, ctx: Context, found: Incoming) -> Reply:
        ctx.user.followed = False
        ctx.user.reminders_on = False
        ctx.user.dialogue = {}
        family(ctx).sync_reminders()
        return Reply(outcome="ignored")


class ClickHandler(EventHandler):
    """A CLICK menu key stands for a question; answer it as if the parent had typed it."""

    event = "click"

    def handle(self, ctx: Context, found: Incoming) -> Reply | Redispatch:
        question = menu_keys().get(found.event_key)
        if question is None:
            return Reply(text=say("media"))
        ctx.reroute(question)
        return Redispatch()


class IgnoredEventHandler(BaseHandler[Incoming]):
    """LOCATION reports, VIEW clicks and events we do not use get a silent `success`."""

    def check(self, ctx: Context) -> Incoming | None:
        return ctx.incoming if ctx.is_event else None

    def handle(self, ctx: Context, found: Incoming) -> Reply:
        return Reply(outcome="ignored")

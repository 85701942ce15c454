"""The dispatcher: first match by group, `Redispatch()` offers the message again, a loop is a failure."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from bot.dispatch import MAX_ROUNDS, Context, Dispatcher, Redispatch, Reply
from bot.messages import Incoming


class Scripted:
    """Answers from a list, one item per offer (None = not mine)."""

    def __init__(self, *outcomes: Reply | Redispatch | None) -> None:
        self.outcomes = list(outcomes)
        self.offers = 0

    def respond(self, ctx: Context) -> Reply | Redispatch | None:
        self.offers += 1
        return self.outcomes.pop(0) if self.outcomes else None


def context() -> Context:
    incoming = Incoming(openid="o-test", kind="text", created_at=datetime.now(UTC), dedup_key="k", text="你好")
    user: Any = SimpleNamespace(dialogue={})
    services: Any = SimpleNamespace()
    return Context(incoming, user, family=object(), services=services)


def test_the_first_handler_of_the_lowest_group_answers() -> None:
    dispatcher = Dispatcher()
    late, early = Scripted(Reply(text="late")), Scripted(None, Reply(text="early"))
    dispatcher.add_handler(late, group=1)
    dispatcher.add_handler(early, group=0)
    dispatcher.add_handler(Scripted(Reply(text="second")), group=0)
    assert dispatcher.dispatch(context()).text == "second"
    assert late.offers == 0


def test_redispatch_offers_the_message_again_from_the_first_group() -> None:
    dispatcher = Dispatcher()
    first, rerouting = Scripted(None, Reply(text="after the reroute")), Scripted(Redispatch())
    dispatcher.add_handler(first, group=0)
    dispatcher.add_handler(rerouting, group=1)
    assert dispatcher.dispatch(context()).text == "after the reroute"
    assert (first.offers, rerouting.offers) == (2, 1)


def test_nobody_takes_it() -> None:
    assert Dispatcher().dispatch(context()).outcome == "ignored"


def test_a_handler_that_always_redispatches_is_a_failure_for_the_error_handlers() -> None:
    dispatcher = Dispatcher()
    looping = Scripted(*[Redispatch()] * (MAX_ROUNDS + 1))
    dispatcher.add_handler(looping)
    failures: list[Exception] = []
    dispatcher.add_error_handler(lambda _ctx, exc: failures.append(exc) or Reply(text="sorry"))
    assert dispatcher.dispatch(context()).text == "sorry"
    assert looping.offers == MAX_ROUNDS
    assert isinstance(failures[0], RuntimeError)

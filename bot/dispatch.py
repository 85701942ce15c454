"""The dispatcher that picks a handler for each typed message (bot/messages.py), and what handlers see.

Handlers are small objects with two verbs, after python-telegram-bot: `check` says cheaply whether
the message concerns them (returning what it found, or None), `handle` does the work with what was
found, typed per handler (`BaseHandler[Classification]`, `BaseHandler[DialogueState]`, …). Handlers sit
in ordered groups; the first match in the lowest group wins. Handlers never see XML.

Flow runs one way: a handler never calls the dispatcher. When a message turns out to be another one (a menu
click stands for its question, a clarify choice for the original question under the chosen intent, a reply
that does not answer the pending dialogue is a fresh question), the handler returns `Redispatch()` and the
dispatcher offers the message to every handler again, from the first group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from bot.messages import Incoming, Reply
from bot.privacy import pseudonym

if TYPE_CHECKING:
    from bot.storage.models import User
    from intents.engine import Classification, IntentEngine
    from knowledge.base import KnowledgeBase
    from knowledge.eligibility import RuleBook

__all__ = ["BaseHandler", "Context", "Dispatcher", "Handler", "HandlerServices", "Incoming", "Redispatch", "Reply"]

log = logging.getLogger(__name__)
Found = TypeVar("Found")
MAX_ROUNDS = 4  # a click rerouted to a question that is not the pending dialogue's answer takes 3


@dataclass(frozen=True)
class Redispatch:
    """What a handler returns instead of a reply when the context now stands for another message (see
    `Context.reroute`) or its pending dialogue was dropped: offer it to every handler again."""


class HandlerServices(Protocol):
    """The shared parts a handler may reach through `ctx.services`; `bot.services.Services` provides them.
    Declared here so this module never imports the services that hold the dispatcher (which handlers never
    reach: they return `Redispatch()`)."""

    @property
    def engine(self) -> IntentEngine: ...

    @property
    def kb(self) -> KnowledgeBase: ...

    @property
    def rules(self) -> RuleBook: ...


class Context:
    """Everything a handler may use for one message; the classification is computed on demand."""

    def __init__(self, incoming: Incoming, user: User, family: object, services: HandlerServices) -> None:
        self.incoming = incoming
        self.user = user
        self.family = family  # a handlers.ports.FamilyPort (bot/families.py); handlers never see the session
        self.services = services
        self._text_override: str | None = None

    @property
    def text(self) -> str:
        return self._text_override if self._text_override is not None else self.incoming.text

    @property
    def is_event(self) -> bool:
        """An event still to be handled as an event (a rerouted click is text from then on)."""
        return self.incoming.kind == "event" and self._text_override is None

    @property
    def is_text(self) -> bool:
        """A message with words in it: typed text, recognised voice, or a rerouted click/choice."""
        return bool(self.text) and (self._text_override is not None or self.incoming.kind in ("text", "voice"))

    def reroute(self, text: str) -> None:
        """Treat the message as if the parent had typed `text` (menu clicks, clarify choices)."""
        self._text_override = text
        self.__dict__.pop("classification", None)

    def force_intent(self, intent: str) -> None:
        """The parent told us what they meant (a clarify choice): answer under that intent."""
        self.__dict__["classification"] = replace(self.classification, intent=intent, decision="answer")

    @cached_property
    def classification(self) -> Classification:
        return self.services.engine.classify(self.text)


class Handler(Protocol):
    """What the dispatcher offers a message to: a reply, `Redispatch()` when the message became another one,
    or None when the message is not this handler's."""

    def respond(self, ctx: Context) -> Reply | Redispatch | None: ...


class BaseHandler(Generic[Found]):
    """A conversation capability. Subclasses override `check` and `handle`; `Found` is what `check`
    hands to `handle` (a classification, the pending dialogue, a centre, …)."""

    def check(self, ctx: Context) -> Found | None:
        raise NotImplementedError

    def handle(self, ctx: Context, found: Found) -> Reply | Redispatch:
        raise NotImplementedError

    def respond(self, ctx: Context) -> Reply | Redispatch | None:
        found = self.check(ctx)
        if found is None or found is False:
            return None
        return self.handle(ctx, found)


class Dispatcher:
    """Routes a `Context` to the first handler (by group, then order) whose check matches."""

    def __init__(self) -> None:
        self._groups: dict[int, list[Handler]] = {}
        self._error_handlers: list[Callable[[Context, Exception], Reply | None]] = []

    def add_handler(self, handler: Handler, group: int = 0) -> None:
        self._groups.setdefault(group, []).append(handler)

    def add_error_handler(self, callback: Callable[[Context, Exception], Reply | None]) -> None:
        self._error_handlers.append(callback)

    @property
    def handlers(self) -> list[Handler]:
        return [h for group in sorted(self._groups) for h in self._groups[group]]

    def dispatch(self, ctx: Context) -> Reply:
        """The reply of the first handler that takes the message, offering it again while a handler
        answers `Redispatch()`; a failure (a loop included) goes to the error handlers."""
        try:
            for _round in range(MAX_ROUNDS):
                outcome = self._offer(ctx)
                if not isinstance(outcome, Redispatch):
                    return outcome
            raise RuntimeError(f"a message was dispatched again {MAX_ROUNDS} times")
        except Exception as exc:  # noqa: BLE001 - every failure goes to the error handlers
            return self._process_error(ctx, exc)

    def _offer(self, ctx: Context) -> Reply | Redispatch:
        """One pass over the handlers, by group then order."""
        for handler in self.handlers:
            outcome = handler.respond(ctx)
            if outcome is not None:
                return outcome
        return Reply(outcome="ignored")

    def _process_error(self, ctx: Context, exc: Exception) -> Reply:
        # Never the openid or the text: a pseudonym and the kind are enough to find the trail.
        log.exception("handler failed for a %s message from %s", ctx.incoming.kind, pseudonym(ctx.incoming.openid))
        for callback in self._error_handlers:
            reply = callback(ctx, exc)
            if reply is not None:
                return reply
        raise exc

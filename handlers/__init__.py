"""Conversation capabilities, one module each, registered on the dispatcher in priority groups.

Group 0: events and messages without words. Group 1: a pending dialogue owns the next message.
Group 2: confident conversation intents, then every question about the documents (answer first).
Group 3: clarify between two conversation intents, else hand to a person.
"""

from __future__ import annotations

from bot.dispatch import Context, Dispatcher, Handler, Reply
from bot.wording import say
from handlers.answer import (
    AnswerHandler,
    BackgroundHandler,
    ChooseEntryHandler,
    OfferCheckHandler,
    RegionAnswerHandler,
    RegionStatementHandler,
)
from handlers.clarify import ClarifyChoiceHandler, ClarifyHandler
from handlers.delete_data import DeleteConfirmHandler, DeleteDataHandler
from handlers.eligibility import EligibilityAnswerHandler, ProfileConsentHandler
from handlers.escalation import FallbackHandler, HumanHandler
from handlers.events import (
    ClickHandler,
    IgnoredEventHandler,
    ScanHandler,
    SubscribeHandler,
    UnsubscribeHandler,
)
from handlers.feedback import UnhelpfulHandler
from handlers.media import MediaHandler
from handlers.next_class import JoinCodeHandler, NextSessionHandler
from handlers.ports import family
from handlers.reminders import ReminderSwitchHandler
from handlers.smalltalk import AcknowledgementHandler, GreetingHandler, ThanksHandler

__all__ = ["build_dispatcher"]


def build_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher()
    handler: Handler
    for handler in (SubscribeHandler(), UnsubscribeHandler(), ScanHandler(), ClickHandler(),
                    IgnoredEventHandler(), MediaHandler(), JoinCodeHandler()):
        dispatcher.add_handler(handler, group=0)
    for handler in (DeleteConfirmHandler(), RegionAnswerHandler(), ClarifyChoiceHandler(), ChooseEntryHandler(),
                    OfferCheckHandler(), EligibilityAnswerHandler(), ProfileConsentHandler()):
        dispatcher.add_handler(handler, group=1)
    for handler in (UnhelpfulHandler(), HumanHandler(), DeleteDataHandler(), GreetingHandler(), ThanksHandler(),
                    AcknowledgementHandler(), ReminderSwitchHandler(), NextSessionHandler(), RegionStatementHandler(),
                    BackgroundHandler(), AnswerHandler()):
        dispatcher.add_handler(handler, group=2)
    dispatcher.add_handler(ClarifyHandler(), group=3)
    dispatcher.add_handler(FallbackHandler(), group=3)
    dispatcher.add_error_handler(apologise)
    return dispatcher


def apologise(ctx: Context, exc: Exception) -> Reply:
    """A bug must not leave the parent without an answer; the failure is logged by the dispatcher."""
    family(ctx).discard_changes()
    return Reply(text=say("error"), outcome="escalated", intent=None)

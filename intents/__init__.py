"""Chinese intent engine for XingBan: message -> intent, confidence, decision and slots.

Public API (docs/contracts.md): ``load_engine``, ``IntentEngine``, ``Classification``, ``INTENTS``.
Imports nothing from flask, wechatpy, sqlmodel or ``bot``.
"""

from .engine import Classification, IntentEngine, load_engine
from .labels import INTENTS

__all__ = ["INTENTS", "Classification", "IntentEngine", "load_engine"]

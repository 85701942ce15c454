"""Temporary: bot/console still imports the wording from here (next commit)."""

from bot.wording import intent_label, region_name

__all__ = ["intent_label", "region_name"]

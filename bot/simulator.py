"""Temporary: bot/console still imports the simulator from here (next commit)."""

from bot.sandbox.simulator import WeChatSimulator, event_xml, flask_transport, text_xml

__all__ = ["WeChatSimulator", "event_xml", "flask_transport", "text_xml"]

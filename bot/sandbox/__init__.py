"""A local stand-in for WeChat on both sides: `server` fakes the outbound API (tokens, sends, menu, QR) with
`state` recording what was delivered, and `simulator` signs and posts pushes to our webhook like WeChat does."""

from bot.sandbox.server import SandboxServer  # noqa: E402  - temporary, for tests/test_console_hardening.py

__all__ = ["SandboxServer"]

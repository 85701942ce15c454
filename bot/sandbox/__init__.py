"""A local stand-in for WeChat on both sides: `server` fakes the outbound API (tokens, sends, menu, QR) with
`state` recording what was delivered, and `simulator` signs and posts pushes to our webhook like WeChat does."""

"""Everything that speaks WeChat: the push protocol (XML, signatures, AES), the outbound API client, the
official-account set-up commands and WeChat's limits. Past this package, code speaks of openid and text."""

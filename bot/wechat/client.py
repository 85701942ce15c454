"""WeChat active-API client: wechatpy's `WeChatClient` pointed at a configurable base URL, with bounded retries.

Why not plain wechatpy: it hard-codes the token URL (so the sandbox could not serve it), passes no timeout when
fetching the token, and its `auto_retry` refetches the token on 40001 with no cap (an endpoint that keeps answering
40001 recurses forever). Here a rejected token is refreshed exactly once per call, and every failure surfaces as
`WeChatSendError` carrying what the caller should do next: "retry" (later, with backoff), "refresh" or "give_up".
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, cast

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from bot.wechat.limits import MAX_TEXT_BYTES, xml_safe

RETRY, REFRESH, GIVE_UP = "retry", "refresh", "give_up"

#: errcode -> action. Anything not listed is "give_up" (a config or user-state problem retrying cannot fix).
ERRCODE_ACTIONS: dict[int, str] = {
    -1: RETRY,  # system busy
    45009: RETRY,  # API daily quota; the caller's backoff should be long (quota resets at midnight)
    45011: RETRY,  # per-minute quota
    40001: REFRESH,  # token invalid / not the latest
    40014: REFRESH,  # token invalid
    42001: REFRESH,  # token expired
    40003: GIVE_UP,  # openid invalid
    40037: GIVE_UP,  # template_id invalid
    43004: GIVE_UP,  # user does not follow the account
    45015: GIVE_UP,  # 48 h window closed
    45047: GIVE_UP,  # customer-service quota for this window used up
    48001: GIVE_UP,  # API not authorised
}
REFRESH_CODES = frozenset(code for code, action in ERRCODE_ACTIONS.items() if action == REFRESH)


def classify_errcode(code: int | None) -> str:
    """What to do about a WeChat errcode; None (network error, HTTP 5xx) is transient."""
    if code is None:
        return RETRY
    return ERRCODE_ACTIONS.get(code, GIVE_UP)


def classify_http_status(status: int | None) -> str:
    """HTTP-level failures: no status (network) / 5xx / 429 are transient, other 4xx are not."""
    return RETRY if status is None or status >= 500 or status == 429 else GIVE_UP


class WeChatSendError(Exception):
    """A WeChat call failed; `action` tells the caller whether to retry, refresh credentials or give up."""

    def __init__(self, errcode: int | None, errmsg: str, action: str, api: str | None = None) -> None:
        super().__init__(errcode, errmsg, action)
        self.errcode, self.errmsg, self.action, self.api = errcode, errmsg, action, api
        self.parts_sent = 0  # send_text: how many parts of a split text were delivered before the failure

    def __str__(self) -> str:
        return f"WeChat {self.api or 'call'} failed: errcode={self.errcode} errmsg={self.errmsg!r} -> {self.action}"


_BREAKS = (r"(?<=\n\n)", r"(?<=\n)", r"(?<=[。！？!?；;…])", r"(?<=[，,、：:\s])")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _pieces(text: str, limit: int, level: int = 0) -> list[str]:
    """Cut text at the coarsest boundary that makes every piece fit; whole characters as a last resort."""
    if _size(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        pieces, current = [], ""
        for char in text:
            if current and _size(current + char) > limit:
                pieces.append(current)
                current = ""
            current += char
        return pieces + [current]
    parts = [p for p in re.split(_BREAKS[level], text) if p]
    return [piece for part in parts for piece in _pieces(part, limit, level + 1)]


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Split into messages of at most `limit` UTF-8 bytes, preferring paragraph, then line, then sentence ends."""
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        if current and _size(current + piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    chunks.append(current)
    return [chunk.strip() for chunk in chunks if chunk.strip()]


class WeChatApiClient(WeChatClient):
    """The product's WeChat client. `session` is a wechatpy `SessionStorage` holding the token (default memory).

    Tokens come from `stable_token` by default: several processes sharing an AppID then get the same token
    instead of invalidating each other's (each `token` call does); `use_stable_token=False` uses `token`.
    """

    def __init__(self, app_id: str, secret: str, base_url: str, session: SessionStorage | None = None,
                 timeout: float = 5, use_stable_token: bool = True,
                 shared_lock: Callable[[], AbstractContextManager[Any]] | None = None) -> None:
        super().__init__(app_id, secret, session=session, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = base_url if base_url.endswith("/") else base_url + "/"
        self.use_stable_token = use_stable_token
        self._thread_lock = threading.Lock()
        # Across worker processes too: only one refreshes, the others then read its token from `session`.
        self._shared_lock = shared_lock or nullcontext

    @contextmanager
    def _token_lock_held(self) -> Iterator[None]:
        with self._thread_lock, self._shared_lock():
            yield

    # -- token ------------------------------------------------------------------------------------------
    @property
    def _expires_key(self) -> str:
        return f"{self.appid}_access_token_expires_at"

    @property
    def access_token(self) -> str:
        """The cached token while it has more than 60 s left (expiry shared through the session storage)."""
        token = self.session.get(self.access_token_key)
        expires_at = self.session.get(self._expires_key) or self.expires_at
        if token and expires_at and expires_at - time.time() > 60:
            return cast(str, token)
        with self._token_lock_held():
            token = self.session.get(self.access_token_key)
            expires_at = self.session.get(self._expires_key) or self.expires_at
            if not (token and expires_at and expires_at - time.time() > 60):
                self.fetch_access_token()
                token = self.session.get(self.access_token_key)
        return cast(str, token)

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch a token from `base_url` (wechatpy hard-codes api.weixin.qq.com), with a timeout.

        A token-endpoint errcode is a configuration problem (wrong AppID/secret, IP whitelist), so 40001-style
        codes here mean "give_up", not "refresh".
        """
        api = "stable_token" if self.use_stable_token else "token"
        creds = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            if self.use_stable_token:
                res = self._http.post(self.API_BASE_URL + api, json={**creds, "force_refresh": False},
                                      timeout=self.timeout)
            else:
                res = self._http.get(self.API_BASE_URL + api, params=creds, timeout=self.timeout)
        except requests.RequestException as exc:
            raise WeChatSendError(None, f"network error: {exc}", RETRY, api) from exc
        if res.status_code >= 400:
            raise WeChatSendError(None, f"HTTP {res.status_code}", classify_http_status(res.status_code), api)
        try:
            result: dict[str, Any] = res.json()
        except ValueError:
            raise WeChatSendError(None, "token answer is not JSON", RETRY, api) from None
        code = int(result.get("errcode") or 0)
        if code or not result.get("access_token"):
            action = GIVE_UP if code in REFRESH_CODES else classify_errcode(code or None)
            raise WeChatSendError(code or None, str(result.get("errmsg", "no access_token")), action, api)
        expires_in = int(result.get("expires_in", 7200))
        self.expires_at = int(time.time()) + expires_in
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.session.set(self._expires_key, self.expires_at, expires_in)
        return result

    def _refresh_after_rejection(self, rejected: str) -> None:
        """Fetch a new token unless another thread already replaced the rejected one."""
        with self._token_lock_held():
            if self.session.get(self.access_token_key) in (None, rejected):
                self.session.delete(self._expires_key)
                self.fetch_access_token()

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """wechatpy's request with one token refresh on 40001/40014/42001 (auto_retry is off: it never stops)."""
        params = kwargs.pop("params", None)
        if (params is not None and not isinstance(params, dict)) or (params or {}).get("access_token"):
            return super()._request(method, url_or_endpoint, params=params, **kwargs)
        token = self.access_token
        try:
            return super()._request(method, url_or_endpoint, params={**(params or {}), "access_token": token},
                                    **kwargs)
        except WeChatClientException as exc:
            if exc.errcode not in REFRESH_CODES:
                raise
        self._refresh_after_rejection(token)
        return super()._request(method, url_or_endpoint,
                                params={**(params or {}), "access_token": self.access_token}, **kwargs)

    # -- calls the product makes --------------------------------------------------------------------------
    def _call(self, api: str, data: dict[str, Any]) -> dict[str, Any]:
        """POST one API call; every failure becomes a WeChatSendError."""
        try:
            result = self.post(api, data=data)
        except WeChatSendError:
            raise
        except WeChatClientException as exc:
            if exc.errcode is None:
                status = getattr(exc.response, "status_code", None)
                raise WeChatSendError(None, f"HTTP {status}", classify_http_status(status), api) from exc
            raise WeChatSendError(exc.errcode, str(exc.errmsg), classify_errcode(exc.errcode), api) from exc
        except requests.RequestException as exc:
            raise WeChatSendError(None, f"network error: {exc}", RETRY, api) from exc
        if not isinstance(result, dict):
            raise WeChatSendError(None, "answer is not JSON", RETRY, api)
        return result

    def send_text(self, openid: str, text: str) -> list[dict[str, Any]]:
        """Customer-service text, split into ≤2048-byte messages (each part counts against the CS quota).

        On failure the error's `parts_sent` says how many parts already went out.
        """
        parts = split_text(xml_safe(text))  # a pasted \x0b would reach the parent as garbage
        if not parts:
            raise ValueError("empty text")
        results = []
        for part in parts:
            try:
                results.append(self._call("message/custom/send",
                                          {"touser": openid, "msgtype": "text", "text": {"content": part}}))
            except WeChatSendError as exc:
                exc.parts_sent = len(results)
                raise
        return results

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], client_msg_id: str,
                      url: str | None = None) -> dict[str, Any]:
        """Template message; WeChat delivers the same openid + client_msg_id once within 10 min, so resending
        after a timeout is safe. Plain string values in `data` are wrapped as {"value": ...}."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "client_msg_id": client_msg_id,
            "data": {k: {**v, "value": xml_safe(str(v.get("value", "")))} if isinstance(v, dict)
                     else {"value": xml_safe(str(v))} for k, v in data.items()},
        }
        if url:
            body["url"] = url
        return self._call("message/template/send", body)

    def create_menu(self, menu_dict: dict[str, Any]) -> dict[str, Any]:
        return self._call("menu/create", menu_dict)

    def create_qrcode(self, scene_str: str, expire_seconds: int | None = None) -> dict[str, Any]:
        """String-scene QR code: temporary with `expire_seconds` (≤30 days), permanent without."""
        if not 1 <= len(scene_str) <= 64:
            raise ValueError("scene_str must be 1-64 characters")
        body: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene_str}}}
        if expire_seconds is None:
            body["action_name"] = "QR_LIMIT_STR_SCENE"
        else:
            body.update(action_name="QR_STR_SCENE", expire_seconds=expire_seconds)
        return self._call("qrcode/create", body)


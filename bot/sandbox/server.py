"""A local stand-in for WeChat's `api.weixin.qq.com/cgi-bin/` API, for tests, demos and offline development.

It speaks the real wire format (query `access_token`, JSON bodies, `{"errcode", "errmsg"}` answers, HTTP 200 on
errors) so `bot.wechat.client` runs unchanged against it; `/_sandbox/…` adds fault injection and a record of what
was delivered. `SandboxServer` runs it on a free loopback port; `SandboxControl` drives any running sandbox over HTTP.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from threading import Thread
from typing import Any, cast

import requests
from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.sandbox.state import Fault, SandboxError, SandboxState
from bot.wechat.limits import MAX_TEXT_BYTES, SHANGHAI

DEFAULT_APP_ID = "wxsandbox0000000"
DEFAULT_APP_SECRET = "sandboxsecret0000000000000000000"
_ESCAPED_NON_ASCII = re.compile(rb"(?<!\\)(?:\\\\)*\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})")
_MSGTYPES = {"text", "image", "voice", "video", "music", "news", "mpnews", "mpnewsarticle", "msgmenu",
             "wxcard", "miniprogrampage"}
_KEY_BUTTONS = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
                "pic_weixin", "location_select"}
_OTHER_BUTTONS = {"view", "miniprogram", "media_id", "view_limited", "article_id", "article_view_limited"}


def _nbytes(value: Any) -> int:
    return len(str(value).encode("utf-8"))


def _touser(state: SandboxState, body: dict[str, Any]) -> str:
    touser = body.get("touser")
    if not isinstance(touser, str) or not touser.strip():
        raise SandboxError(40003)
    if not state.is_followed(touser):
        raise SandboxError(43004)
    return touser


def _custom_send(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    touser, msgtype = _touser(state, body), body.get("msgtype")
    if msgtype not in _MSGTYPES:
        raise SandboxError(40008)
    if msgtype != "text":
        state.record("message/custom/send", touser, msgtype, content=None, payload=body.get(msgtype))
        return {}
    content = (body.get("text") or {}).get("content") if isinstance(body.get("text"), dict) else None
    if not isinstance(content, str):
        raise SandboxError(47001)
    if not content.strip():
        raise SandboxError(44004)
    if _nbytes(content) > MAX_TEXT_BYTES:
        raise SandboxError(45002)
    state.record("message/custom/send", touser, "text", content=content)
    return {}


def _template_send(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    touser, template_id, data = _touser(state, body), body.get("template_id"), body.get("data")
    if not isinstance(template_id, str) or not template_id:
        raise SandboxError(40037)
    client_msg_id = body.get("client_msg_id")
    if not isinstance(data, dict) or (client_msg_id is not None and not isinstance(client_msg_id, str)):
        raise SandboxError(47001)
    msgid = state.deliver_template(touser, client_msg_id, template_id=template_id, data=data,
                                   url=body.get("url"), miniprogram=body.get("miniprogram"))
    return {"msgid": msgid}


def _check_button(button: Any, name_limit: int) -> None:
    if not isinstance(button, dict) or not 0 < _nbytes(button.get("name", "")) <= name_limit:
        raise SandboxError(40018)
    kind = button.get("type")
    if kind in _KEY_BUTTONS and not 0 < _nbytes(button.get("key", "")) <= 128:
        raise SandboxError(40019)
    if kind == "view" and not 0 < _nbytes(button.get("url", "")) <= 1024:
        raise SandboxError(40020)
    if kind not in _KEY_BUTTONS | _OTHER_BUTTONS:
        raise SandboxError(40017)


def _menu_create(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise SandboxError(40016)
    for button in buttons:
        subs = button.get("sub_button") if isinstance(button, dict) else None
        if subs is None:
            _check_button(button, 16)
            continue
        if not 0 < _nbytes(button.get("name", "")) <= 16:
            raise SandboxError(40018)
        if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            raise SandboxError(40023)
        for sub in subs:
            _check_button(sub, 60)
    state.menu = body
    return {}


def _qrcode_create(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    action = body.get("action_name")
    limits = {"QR_SCENE": 2**32 - 1, "QR_LIMIT_SCENE": 100_000}
    if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"):
        raise SandboxError(40052)
    scene = ((body.get("action_info") or {}).get("scene") or {}) if isinstance(body.get("action_info"), dict) else {}
    if action in limits:
        value = scene.get("scene_id")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limits[action]:
            raise SandboxError(40053)
    else:
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise SandboxError(40053)
    answer: dict[str, Any] = {"ticket": "gQ" + secrets.token_urlsafe(42),
                              "url": "http://weixin.qq.com/q/" + secrets.token_urlsafe(18)}
    if not action.startswith("QR_LIMIT"):
        expire = body.get("expire_seconds")
        answer["expire_seconds"] = min(expire, 2_592_000) if isinstance(expire, int) and expire > 0 else 60
    state.add_qrcode({"action_name": action, "scene": value, **answer})
    return answer


def _token(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    args = request.args
    state.check_credentials(args.get("grant_type"), args.get("appid"), args.get("secret"))
    token, expires_in = state.issue_token()
    return {"access_token": token, "expires_in": expires_in}


def _stable_token(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    state.check_credentials(body.get("grant_type"), body.get("appid"), body.get("secret"))
    token, expires_in = state.stable_token(bool(body.get("force_refresh")))
    return {"access_token": token, "expires_in": expires_in}


#: api path -> (HTTP method, needs access_token, handler)
_APIS: dict[str, tuple[str, bool, Callable[[SandboxState, dict[str, Any]], dict[str, Any]]]] = {
    "token": ("GET", False, _token),
    "stable_token": ("POST", False, _stable_token),
    "message/custom/send": ("POST", True, _custom_send),
    "message/template/send": ("POST", True, _template_send),
    "menu/create": ("POST", True, _menu_create),
    "qrcode/create": ("POST", True, _qrcode_create),
}


def _json_body() -> dict[str, Any]:
    raw = request.get_data()
    if _ESCAPED_NON_ASCII.search(raw):
        raise SandboxError(40033)  # WeChat wants raw UTF-8, not \uXXXX escapes
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SandboxError(47001) from None
    if not isinstance(body, dict):
        raise SandboxError(47001)
    return body


def _call_api(state: SandboxState, api: str) -> Response | tuple[Response, int]:
    method, needs_token, handler = _APIS[api]
    state.count(api)
    try:
        if request.method != method:
            raise SandboxError(43002 if method == "POST" else 43001)
        if needs_token:
            state.check_token(request.args.get("access_token"))
        body = _json_body() if method == "POST" else {}
        fault = state.take_fault(api, body.get("touser"))
        if fault is not None:
            time.sleep(fault.delay_ms / 1000)
            if fault.http_status:
                raise SandboxError(fault.errcode or -1, fault.errmsg or "sandbox injected HTTP error",
                                   fault.http_status)
            if fault.errcode:
                raise SandboxError(fault.errcode, fault.errmsg)
        answer = handler(state, body)
    except SandboxError as exc:
        state.count(api, error=True)
        return jsonify(exc.body()), exc.status
    if api in ("token", "stable_token"):
        return jsonify(answer)
    return jsonify({"errcode": 0, "errmsg": "ok", **answer})


def _parse_fault(data: Any) -> Fault:
    if not isinstance(data, dict) or not isinstance(data.get("api"), str):
        raise ValueError("need a JSON object with 'api'")
    api = data["api"].strip("/").removeprefix("cgi-bin/")
    fault = Fault(api=api, errcode=data.get("errcode"), count=int(data.get("count", 1)),
                  touser=data.get("touser"), delay_ms=int(data.get("delay_ms") or 0),
                  http_status=data.get("http_status"), errmsg=data.get("errmsg"))
    if api not in _APIS or fault.count < 1 or fault.delay_ms < 0:
        raise ValueError(f"unknown api {api!r} or bad count/delay_ms")
    if fault.errcode is not None and not isinstance(fault.errcode, int):
        raise ValueError("errcode must be an integer")
    if fault.http_status is not None and not (isinstance(fault.http_status, int) and 400 <= fault.http_status < 600):
        raise ValueError("http_status must be 400-599")
    if not (fault.errcode or fault.http_status or fault.delay_ms):
        raise ValueError("give errcode, http_status or delay_ms")
    return fault


def _register_control(app: Flask, state: SandboxState) -> None:
    """`/_sandbox/…`: the test-and-demo side door, never part of WeChat's API."""

    @app.get("/_sandbox/")
    def sandbox_page() -> str:
        records = list(reversed(state.sent()))
        for rec in records:
            rec["local_time"] = datetime.fromisoformat(rec["at"]).astimezone(SHANGHAI).strftime("%m-%d %H:%M:%S")
        return render_template("sandbox.html", records=records, stats=state.stats(), app_id=state.app_id)

    @app.get("/_sandbox/sent")
    def sandbox_sent() -> Response:
        return jsonify(state.sent(request.args.get("api"), request.args.get("touser")))

    @app.get("/_sandbox/stats")
    def sandbox_stats() -> Response:
        return jsonify(state.stats())

    @app.get("/_sandbox/state")
    def sandbox_state() -> Response:
        return jsonify({"menu": state.menu, "qrcodes": state.qrcodes(), "faults": state.faults()})

    @app.post("/_sandbox/faults")
    def sandbox_add_fault() -> Response | tuple[Response, int]:
        try:
            fault = _parse_fault(request.get_json(silent=True))
        except (TypeError, ValueError) as exc:
            return jsonify({"error": str(exc)}), 400
        return jsonify(state.add_fault(fault))

    @app.post("/_sandbox/reset")
    def sandbox_reset() -> Response:
        state.reset()
        return jsonify({"ok": True})

    @app.post("/_sandbox/expire_tokens")
    def sandbox_expire() -> Response:
        state.expire_tokens()
        return jsonify({"ok": True})

    @app.post("/_sandbox/unfollow")
    @app.post("/_sandbox/follow")
    def sandbox_follow() -> Response | tuple[Response, int]:
        openid = (request.get_json(silent=True) or {}).get("openid")
        if not isinstance(openid, str) or not openid:
            return jsonify({"error": "need {'openid': ...}"}), 400
        state.set_followed(openid, request.path.endswith("/follow"))
        return jsonify({"ok": True})


def create_sandbox_app(app_id: str = DEFAULT_APP_ID, app_secret: str = DEFAULT_APP_SECRET,
                       token_ttl: int = 7200, clock: Callable[[], float] = time.time) -> Flask:
    """A Flask app answering WeChat's `/cgi-bin/` calls; its state is `app.extensions["wechat_sandbox"]`."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    state = SandboxState(app_id, app_secret, token_ttl, clock)
    app.extensions["wechat_sandbox"] = state

    @app.route("/cgi-bin/<path:api>", methods=["GET", "POST"])
    def cgi_bin(api: str) -> Response | tuple[Response, int]:
        if api not in _APIS:
            return jsonify({"errcode": 40066, "errmsg": f"invalid url: /cgi-bin/{api} (sandbox)"}), 404
        return _call_api(state, api)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        code = exc.code or 500
        return jsonify({"errcode": 40066 if code == 404 else -1, "errmsg": exc.description}), code

    _register_control(app, state)
    return app


class SandboxControl:
    """Drives a running sandbox over HTTP, so tests work against this process's server or `xingban sandbox`."""

    def __init__(self, base_url: str, timeout: float = 5) -> None:
        root = base_url.rstrip("/").removesuffix("/cgi-bin")
        self.root_url = root + "/"
        self.base_url = root + "/cgi-bin/"  # the value for WECHAT_API_BASE_URL
        self.timeout = timeout

    @property
    def url(self) -> str:
        return self.base_url

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        res = requests.request(method, self.root_url + "_sandbox/" + path, timeout=self.timeout, **kwargs)
        res.raise_for_status()
        return res.json()

    def sent(self, api: str | None = None, touser: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("api", api), ("touser", touser)) if v is not None}
        return cast(list[dict[str, Any]], self._control("GET", "sent", params=params))

    def stats(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._control("GET", "stats"))

    def calls(self, api: str) -> int:
        return int(self.stats()["calls"].get(api, 0))

    def inject_fault(self, api: str, errcode: int | None = None, count: int = 1, touser: str | None = None,
                     delay_ms: int = 0, http_status: int | None = None) -> dict[str, Any]:
        fault = {"api": api, "errcode": errcode, "count": count, "touser": touser, "delay_ms": delay_ms,
                 "http_status": http_status}
        return cast(dict[str, Any], self._control("POST", "faults", json=fault))

    def reset(self) -> None:
        self._control("POST", "reset")

    def expire_tokens(self) -> None:
        self._control("POST", "expire_tokens")

    def unfollow(self, openid: str) -> None:
        self._control("POST", "unfollow", json={"openid": openid})

    def follow(self, openid: str) -> None:
        self._control("POST", "follow", json={"openid": openid})

    def state(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._control("GET", "state"))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output clean
        pass


class SandboxServer(SandboxControl):
    """The sandbox on 127.0.0.1:<free port> in a daemon thread; started on creation, stopped by `stop()`."""

    def __init__(self, app_id: str = DEFAULT_APP_ID, app_secret: str = DEFAULT_APP_SECRET,
                 token_ttl: int = 7200, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.app = create_sandbox_app(app_id, app_secret, token_ttl)
        self._server = make_server(host, port, self.app, threaded=True,
                                   request_handler=_QuietHandler if quiet else None)
        super().__init__(f"http://{host}:{self._server.server_port}/cgi-bin/")
        self._thread: Thread | None = Thread(target=self._server.serve_forever, name="wechat-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._server.server_close()
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_sandbox(host: str = "127.0.0.1", port: int = 8900, app_id: str = DEFAULT_APP_ID,
                app_secret: str = DEFAULT_APP_SECRET) -> None:
    """Serve the sandbox in the foreground (the `xingban sandbox` command) until Ctrl-C."""
    server = make_server(host, port, create_sandbox_app(app_id, app_secret), threaded=True)
    print(f"WeChat sandbox on http://{host}:{server.server_port}/_sandbox/", flush=True)
    print(f"  WECHAT_API_BASE_URL=http://{host}:{server.server_port}/cgi-bin/", flush=True)
    # Never print the secret: it may be a real account's when taken from the environment.
    secret_hint = "the sandbox default" if app_secret == DEFAULT_APP_SECRET else "from WECHAT_APP_SECRET"
    print(f"  WECHAT_APP_ID={app_id}  WECHAT_APP_SECRET: {secret_hint}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

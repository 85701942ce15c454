"""The console blueprint, its CSRF guard, security headers and template helpers (views import `bp`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.console.auth import current_staff, has_role
from bot.storage.accounts import ROLE_LABELS
from bot.wechat.limits import SHANGHAI

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
STATUS_LABELS = {"open": "待认领", "claimed": "处理中", "sending": "发送中", "answered": "已回复",
                 "waiting_parent": "等待家长再次留言", "closed": "已关闭"}
MESSAGE_KINDS = {"event": "（关注公众号或点了菜单）", "image": "（图片）", "voice": "（语音）", "video": "（视频）",
                 "location": "（位置）", "link": "（链接）", "text": "（空消息）"}
REASON_LABELS = {"human": "家长要求转人工", "fallback": "机器人无法判断", "not_covered": "知识库未覆盖",
                 "unhelpful": "家长说回答没帮助"}


@bp.before_request
def _csrf_guard() -> None:
    """CSRF only here: the app sets WTF_CSRF_CHECK_DEFAULT off, so `/wechat` (signed by WeChat) is untouched."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/console/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages may hold a family's conversation
    return response


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return render_template("console/error.html", code=400, message="表单已过期或来源不明，请刷新页面后重试。"), 400


@bp.errorhandler(403)
def _forbidden(_exc: Exception) -> tuple[str, int]:
    return render_template("console/error.html", code=403, message="您的角色无权访问此页面。"), 403


@bp.errorhandler(404)
def _not_found(_exc: Exception) -> tuple[str, int]:
    return render_template("console/error.html", code=404, message="没有找到这个页面或记录。"), 404


@bp.app_template_filter("localtime")
def localtime(value: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


@bp.app_template_filter("region_label")
def region_label(region: str | None) -> str:
    from bot.wording import region_name

    return region_name(region) or (region or "未知")


@bp.app_template_filter("intent_label")
def intent_label(intent: str | None) -> str:
    from bot.wording import intent_label as label

    return label(intent) if intent else "—"


@bp.app_template_filter("message_kind")
def message_kind(kind: str | None) -> str:
    """A message without text, described in words (never the raw `[event]`)."""
    return MESSAGE_KINDS.get(kind or "", "（其他类型的消息）")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"staff": current_staff(), "has_role": has_role, "ROLE_LABELS": ROLE_LABELS, "zip": zip,
            "STATUS_LABELS": STATUS_LABELS, "REASON_LABELS": REASON_LABELS}

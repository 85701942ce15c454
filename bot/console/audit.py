"""The audit trail: every console action and every look at a family's conversation leaves a row.

Rows hold ids and short labels only, never message text or passwords.
"""

from __future__ import annotations

from flask import has_request_context, request
from sqlmodel import Session

from bot.storage.accounts import AuditLog, StaffUser
from bot.storage.db import get_session

ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "账号锁定", "logout": "退出",
    "ticket_view": "查看工单（家庭对话）", "ticket_claim": "认领工单", "ticket_release": "放回工单",
    "ticket_answer": "回复工单", "kb_propose": "提交知识库候选", "kb_publish": "发布知识库候选",
    "kb_reject": "驳回知识库候选", "session_create": "新建课程", "session_edit": "修改课程",
    "session_reschedule": "调整课程时间", "session_cancel": "取消课程", "enrol": "报名家庭",
    "enrolments_view": "查看报名家庭", "push_notice": "推送通知", "user_create": "新建账号",
    "user_role": "修改角色", "user_password": "重置密码", "user_active": "启用/停用账号",
    "user_unlock": "解除锁定", "simulator_send": "模拟器发送", "kb_export": "导出知识库候选",
    "centre_create": "添加机构", "centre_edit": "修改机构", "push_cancel": "撤回通知", "series_create": "新建每周课程", "kb_edit": "修改知识库候选", "family_label": "修改家庭标签", "centre_qrcode": "生成机构二维码", "user_centres": "修改负责机构",
    "export_csv": "导出表格", "policy_publish": "发布知识条目", "policy_revert": "撤销知识条目修改",
    "policy_import": "导入政策文件",
}


def record(action: str, target: str = "", detail: str = "", actor: StaffUser | None = None,
           actor_name: str = "", db: Session | None = None, commit: bool = True) -> AuditLog:
    """Add an audit row (committed by default, so it survives even if the page then fails)."""
    from bot.console.auth import current_staff
    from bot.console.throttle import client_address

    if actor is None and not actor_name and has_request_context():
        actor = current_staff()
    ip = client_address(request) if has_request_context() else "cli"  # the client's, also behind nginx
    row = AuditLog(actor_id=actor.id if actor else None, actor_name=(actor.name if actor else actor_name)[:64],
                   action=action[:48], target=target[:64], detail=detail[:500], ip=ip[:64])
    db = db or get_session()
    db.add(row)
    if commit:
        db.commit()
    return row

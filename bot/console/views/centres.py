"""Centres: the rehabilitation centres families join (by QR scene or join code). Staff list, add and edit them,
and get each centre's QR code to print."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func
from sqlmodel import col, select
from werkzeug.wrappers import Response

from bot.console.audit import record
from bot.console.auth import current_staff_id, require_role
from bot.console.blueprint import bp
from bot.console.kb import region_choices
from bot.console.scope import in_my_centres, my_centres, require_centre
from bot.services import get_services
from bot.storage.accounts import StaffCentre
from bot.storage.db import get_session
from bot.storage.models import Centre, User
from bot.wechat.client import WeChatSendError

_CODE = re.compile(r"^[a-z0-9_-]{2,32}$")


@bp.get("/centres")
@require_role("staff")
def centres() -> str:
    db = get_session()
    rows = db.exec(select(Centre).where(in_my_centres(Centre.id)).order_by(col(Centre.id))).all()
    families = dict(db.exec(select(User.centre_id, func.count()).group_by(col(User.centre_id))).all())
    return render_template("console/centres.html", rows=rows, families=families, regions=region_choices())


def _fields() -> dict[str, str]:
    form = request.form
    return {"name": form.get("name", "").strip()[:100], "region": form.get("region", ""),
            "address": form.get("address", "").strip()[:200]}


@bp.post("/centres")
@require_role("staff")
def centre_create() -> Response:
    db = get_session()
    code, fields = request.form.get("code", "").strip().lower(), _fields()
    taken = db.exec(select(Centre).where(Centre.code == code)).first() is not None
    if not _CODE.match(code) or taken or not fields["name"] or fields["region"] not in region_choices():
        flash("请填写未被使用的加入码（2-32位小写字母/数字）、名称和地区。", "error")
        return redirect(url_for("console.centres"))
    centre = Centre(code=code, name=fields["name"], region=fields["region"], address=fields["address"])
    db.add(centre)
    db.flush()
    if my_centres() is not None:  # a centre-scoped account works for the centre it adds
        db.add(StaffCentre(staff_id=current_staff_id(), centre_id=centre.id or 0))
    record("centre_create", target=f"centre:{centre.id}", db=db)
    flash("机构已添加。", "ok")
    return redirect(url_for("console.centres"))


@bp.post("/centres/<int:centre_id>")
@require_role("staff")
def centre_edit(centre_id: int) -> Response:
    db = get_session()
    centre = db.get(Centre, centre_id) or abort(404)
    require_centre(centre_id)
    fields = _fields()
    if not fields["name"] or fields["region"] not in region_choices():
        flash("名称和地区不能为空。", "error")
        return redirect(url_for("console.centres"))
    centre.name, centre.region, centre.address = fields["name"], fields["region"], fields["address"]
    db.add(centre)
    record("centre_edit", target=f"centre:{centre_id}", db=db)
    flash("已保存。", "ok")
    return redirect(url_for("console.centres"))


@bp.post("/centres/<int:centre_id>/qrcode")
@require_role("staff")
def centre_qrcode(centre_id: int) -> Response | str:
    """A permanent WeChat QR code for this centre: a family who scans it follows the account and joins."""
    db = get_session()
    centre = db.get(Centre, centre_id) or abort(404)
    require_centre(centre_id)
    try:
        result = get_services().client.create_qrcode(f"centre_{centre.code}")
    except WeChatSendError as exc:
        flash(f"微信没有生成二维码（错误码 {exc.errcode}），请稍后再试或联系管理员。", "error")
        return redirect(url_for("console.centres"))
    record("centre_qrcode", target=f"centre:{centre_id}", db=db)
    image = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + quote(result["ticket"], safe="")
    return render_template("console/centre_qrcode.html", centre=centre, image=image, link=result["url"])

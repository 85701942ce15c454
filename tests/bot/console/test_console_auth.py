"""Console access: roles checked on the server for every page, CSRF on every form, lockout, cookies, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from bot.console.throttle import ACCOUNT_ADDRESS
from bot.storage.accounts import AuditLog, StaffUser
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.test_console_support import csrf_token, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures

STAFF_PAGES = ["/console/kb", "/console/centres", "/console/deliveries", "/console/families"]
ADMIN_PAGES = ["/console/admin/users", "/console/admin/audit"]
VOLUNTEER_PAGES = ["/console/tickets"]
SHARED_PAGES = ["/console/dashboard", "/console/simulator", "/console/sessions"]  # volunteers: timetable read-only


def audit(db, action: str) -> list[AuditLog]:
    db.expire_all()
    return list(db.exec(select(AuditLog).where(AuditLog.action == action)).all())


@pytest.mark.parametrize("path", STAFF_PAGES + ADMIN_PAGES + VOLUNTEER_PAGES + SHARED_PAGES)
def test_anonymous_goes_to_login(capp, path: str) -> None:
    response = capp.test_client().get(path)
    assert response.status_code == 302 and response.location.startswith("/console/login?next=")


@pytest.mark.parametrize(("role", "allowed", "denied"), [
    ("volunteer", VOLUNTEER_PAGES + SHARED_PAGES, STAFF_PAGES + ADMIN_PAGES),
    ("staff", STAFF_PAGES + SHARED_PAGES + VOLUNTEER_PAGES, ADMIN_PAGES),  # staff help with tickets (issue 14)
    ("admin", STAFF_PAGES + SHARED_PAGES + VOLUNTEER_PAGES + ADMIN_PAGES, []),
])
def test_role_rules(capp, accounts, role: str, allowed: list[str], denied: list[str]) -> None:
    client = login(capp, accounts, role)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in denied:
        response = client.get(path)
        assert response.status_code == 403 and "无权" in response.get_data(as_text=True), path


def test_actions_check_the_role_too(capp, accounts) -> None:
    volunteer = login(capp, accounts, "volunteer")
    assert post(volunteer, "/console/admin/users", {"name": "x", "role": "admin"}).status_code == 403
    assert post(volunteer, "/console/sessions", {"title": "x"}).status_code == 403
    assert post(volunteer, "/console/pushes/1/cancel").status_code == 403
    staff = login(capp, accounts, "staff")
    assert post(staff, "/console/admin/users/1/role", {"role": "admin"}).status_code == 403


def test_every_console_view_is_guarded(capp) -> None:
    """A new page without `require_role` fails here instead of leaking."""
    public = {"console.login", "console.logout", "console.static", "console.index"}
    for rule in capp.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint not in public:
            assert getattr(capp.view_functions[rule.endpoint], "roles", None) is not None, rule.endpoint


def test_post_without_csrf_token_is_400(capp, accounts) -> None:
    client = login(capp, accounts, "admin")
    response = client.post("/console/admin/users", data={"name": "mallory", "role": "admin"})
    assert response.status_code == 400
    assert capp.test_client().post("/console/login", data={"name": "demo-admin", "password": "x"}).status_code == 400


def test_webhook_is_not_under_csrf(capp, accounts) -> None:
    from tests.test_console_support import chat

    assert chat(capp).send_text("o-csrf", "你好").status == 200


def test_session_cookie_is_hardened(capp, accounts) -> None:
    client = capp.test_client()
    name, password = accounts["staff"]
    response = client.post("/console/login", data={"name": name, "password": password,
                                                   "csrf_token": csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert capp.config["SESSION_COOKIE_SECURE"] is False  # test mode; production sets Secure
    assert "Content-Security-Policy" in client.get("/console/dashboard").headers


def test_failures_throttle_the_address_even_for_the_right_password(capp, accounts, db) -> None:
    client = capp.test_client()
    name, password = accounts["volunteer"]
    for _ in range(ACCOUNT_ADDRESS.free):
        response = client.post("/console/login", data={"name": name, "password": "wrong-password-1",
                                                       "csrf_token": csrf_token(client)})
        assert response.status_code == 401
    right = client.post("/console/login", data={"name": name, "password": password,
                                                "csrf_token": csrf_token(client)})
    assert right.status_code == 429 and "过于频繁" in right.get_data(as_text=True)
    assert len(audit(db, "login_failed")) == ACCOUNT_ADDRESS.free
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert login(capp, accounts, "volunteer").get("/console/tickets").status_code == 200


def test_unknown_user_and_wrong_password_look_the_same(capp, accounts, db) -> None:
    client = capp.test_client()
    a = client.post("/console/login", data={"name": "nobody", "password": "x" * 12, "csrf_token": csrf_token(client)})
    b = client.post("/console/login", data={"name": "demo-staff", "password": "x" * 12,
                                            "csrf_token": csrf_token(client)})
    assert a.status_code == b.status_code == 401
    assert "用户名或密码不正确" in a.get_data(as_text=True) and "用户名或密码不正确" in b.get_data(as_text=True)
    targets = sorted(row.target for row in audit(db, "login_failed"))
    assert targets == ["name:(unknown)", "name:demo-staff"]  # a name that is no account may be a password


def test_login_logout_are_audited_and_next_is_not_an_open_redirect(capp, accounts, db) -> None:
    client = capp.test_client()
    name, password = accounts["staff"]
    response = client.post("/console/login", data={"name": name, "password": password, "next": "//evil.example/",
                                                   "csrf_token": csrf_token(client)})
    assert response.location == "/console/dashboard"
    post(client, "/console/logout")
    assert client.get("/console/dashboard").status_code == 302
    assert audit(db, "login") and audit(db, "logout")


def test_admin_creates_account_password_shown_once_and_hashed(capp, accounts, db) -> None:
    client = login(capp, accounts, "admin")
    page = post(client, "/console/admin/users", {"name": "vol-li", "role": "volunteer"}, "/console/admin/users")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "只显示这一次" in text
    user = db.exec(select(StaffUser).where(StaffUser.name == "vol-li")).one()
    assert user.role == "volunteer" and user.password_hash.startswith("$argon2")
    assert audit(db, "user_create")[0].target == f"staff:{user.id}"


def test_password_reset_ends_old_sessions(capp, accounts, db) -> None:
    volunteer = login(capp, accounts, "volunteer")
    admin = login(capp, accounts, "admin")
    user = db.exec(select(StaffUser).where(StaffUser.name == "demo-volunteer")).one()
    assert post(admin, f"/console/admin/users/{user.id}/password", page="/console/admin/users").status_code == 200
    assert volunteer.get("/console/tickets").status_code == 302


def test_a_generated_password_never_contains_the_account_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A random password once spelled "deMo" (CI run of stop 14): the demo seed then failed its own policy check.
    The random source is replaced by the draw that happened, then a harmless one."""
    from bot.console import auth

    draws = iter(["Oyd4deMof6CpRbFl", "Qx7tKp2Lm9Zr4Wv8"])
    monkeypatch.setattr(auth.secrets, "token_urlsafe", lambda _n: next(draws))
    assert auth.generate_password("demo-admin") == "Qx7tKp2Lm9Zr4Wv8"

"""Console hardening (issue 13): login throttling, server-side logout, safe `next`, password rules,
ticket visibility for volunteers, never-reused ticket numbers, private database files."""

from __future__ import annotations

import os
import re
import stat
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from bot.console.auth import create_account, password_problem
from bot.console.cli import user_group
from bot.console.throttle import (
    ACCOUNT_ADDRESS,
    ADDRESS,
    DatabaseStore,
    LoginThrottle,
    Policy,
    RedisStore,
)
from bot.erasure import erase_user
from bot.sandbox.server import SandboxServer
from bot.storage.accounts import StaffSession, StaffUser
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Ticket
from bot.timeutil import utcnow
from tests import test_console_support as support
from tests.bot.storage.test_shared_state import redis_url
from tests.conftest import build_app
from tests.test_console_support import ask_for_person, csrf_token, login, post

accounts, capp, db = support.accounts, support.capp, support.db  # shared fixtures
redis_url = redis_url  # the module's redis-server fixture
_CSRF = re.compile(r'(name="csrf_token" value|name="csrf-token" content)="[^"]+"')


def attempt(client: FlaskClient, name: str, password: str, address: str, next_: str = ""):
    """A login POST as it reaches gunicorn through our nginx (the client's address in X-Forwarded-For)."""
    headers = {"X-Forwarded-For": address}
    token = csrf_token(client)
    return client.post("/console/login", data={"name": name, "password": password, "csrf_token": token,
                                               "next": next_}, headers=headers)


# --- Medium 6: throttling, and no way to tell locked, unknown and wrong apart -----------------------------

def test_an_attacker_cannot_lock_the_admin_out(capp, accounts) -> None:
    attacker = capp.test_client()
    name, password = accounts["admin"]
    statuses = [attempt(attacker, name, f"guess-{n:04d}-password", "203.0.113.9").status_code for n in range(30)]
    assert statuses[:ACCOUNT_ADDRESS.free] == [401] * ACCOUNT_ADDRESS.free and set(statuses[ACCOUNT_ADDRESS.free:]) == {429}
    admin = capp.test_client()
    response = attempt(admin, name, password, "198.51.100.7")
    assert response.status_code == 302 and admin.get("/console/admin/users").status_code == 200


def test_one_address_trying_many_names_is_slowed_before_any_hash(capp, accounts) -> None:
    client = capp.test_client()
    names = [f"user-{n}" for n in range(40)] + ["demo-staff"]
    responses = [attempt(client, name, "not-the-password-1", "203.0.113.20") for name in names]
    statuses = [r.status_code for r in responses]
    assert statuses[:ADDRESS.free] == [401] * ADDRESS.free and set(statuses[ADDRESS.free:]) == {429}
    refused = responses[-1]
    assert "登录尝试过于频繁" in refused.get_data(as_text=True) and int(refused.headers["Retry-After"]) > 0
    # another address is not affected, and neither is the real account from there
    assert attempt(capp.test_client(), *accounts["staff"], "198.51.100.8").status_code == 302


def test_the_wait_grows_and_the_right_password_resets_it(capp) -> None:
    throttle = LoginThrottle(DatabaseStore(get_engine(capp)))
    now = utcnow()
    for n in range(ACCOUNT_ADDRESS.free):
        assert throttle.attempt("x", "192.0.2.1", now) == 0, n
    assert throttle.attempt("x", "192.0.2.1", now) == pytest.approx(ACCOUNT_ADDRESS.base)
    later = now + timedelta(seconds=ACCOUNT_ADDRESS.base)
    assert throttle.attempt("x", "192.0.2.1", later) == 0
    assert throttle.attempt("x", "192.0.2.1", later) == pytest.approx(2 * ACCOUNT_ADDRESS.base)
    throttle.succeeded("x", "192.0.2.1")
    assert throttle.attempt("x", "192.0.2.1", later) == 0
    quiet = later + timedelta(seconds=ACCOUNT_ADDRESS.quiet + ACCOUNT_ADDRESS.cap)
    assert all(throttle.attempt("y", "192.0.2.2", quiet) == 0 for _ in range(ACCOUNT_ADDRESS.free))


@pytest.mark.parametrize("store", ["database", "redis"])
def test_parallel_attempts_cannot_slip_past_the_limit(capp, request, store: str) -> None:
    database = DatabaseStore(get_engine(capp))
    backend = RedisStore(request.getfixturevalue("redis_url"), database) if store == "redis" else database
    if store == "redis":
        backend.redis.flushdb()  # type: ignore[union-attr]
    policy = Policy(free=5, base=60, cap=600, quiet=3600)
    results: list[float] = []
    barrier = threading.Barrier(12)

    def one() -> None:
        barrier.wait()
        results.append(backend.attempt("acct:burst|192.0.2.3", policy, utcnow()))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count(0.0) == policy.free
    backend.clear_prefix("acct:burst|")
    assert backend.attempt("acct:burst|192.0.2.3", policy, utcnow()) == 0


def test_redis_store_counts_like_the_database(capp, redis_url) -> None:
    throttle = LoginThrottle(RedisStore(redis_url, DatabaseStore(get_engine(capp))))
    throttle.store.redis.flushdb()  # type: ignore[attr-defined]
    now = utcnow()
    assert [throttle.attempt("r", "192.0.2.4", now) for _ in range(ACCOUNT_ADDRESS.free + 1)][-1] > 0
    throttle.clear_account("r")
    assert throttle.attempt("r", "192.0.2.4", now) == 0


def _page(response) -> str:
    return _CSRF.sub("", response.get_data(as_text=True))


def test_unknown_deactivated_wrong_and_throttled_look_the_same(capp, accounts, db) -> None:
    user = db.exec(select(StaffUser).where(StaffUser.name == "demo-volunteer")).one()
    user.active = False
    db.add(user)
    db.commit()
    client = capp.test_client()
    pages, times = {}, {}
    for label, name in (("unknown", "ghost-user"), ("wrong", "demo-staff"), ("inactive", "demo-volunteer")):
        durations = []
        for n in range(3):
            started = time.perf_counter()
            response = attempt(client, name, "wrong-password-9", f"192.0.2.{10 + n}")
            durations.append(time.perf_counter() - started)
            assert response.status_code == 401, label
        pages[label], times[label] = _page(response).replace(name, "NAME"), statistics.median(durations)
    assert pages["unknown"] == pages["wrong"] == pages["inactive"]
    assert max(times.values()) < 3 * min(times.values()), times  # one Argon2 check each
    throttled = {}
    for name in ("ghost-user", "demo-staff"):
        for _ in range(ACCOUNT_ADDRESS.free):
            attempt(client, name, "wrong-password-9", "192.0.2.50")
        response = attempt(client, name, "wrong-password-9", "192.0.2.50")
        assert response.status_code == 429
        throttled[name] = _page(response).replace(name, "NAME")
    assert throttled["ghost-user"] == throttled["demo-staff"]


def test_admin_unlock_clears_the_throttle(capp, accounts) -> None:
    name, password = accounts["staff"]
    client = capp.test_client()
    for _ in range(ACCOUNT_ADDRESS.free):
        attempt(client, name, "wrong-password-9", "192.0.2.60")
    assert attempt(client, name, password, "192.0.2.60").status_code == 429
    admin = login(capp, accounts, "admin")
    with session_scope(capp) as session:
        staff_id = session.exec(select(StaffUser.id).where(StaffUser.name == name)).one()
    assert post(admin, f"/console/admin/users/{staff_id}/unlock", page="/console/admin/users").status_code == 302
    assert attempt(client, name, password, "192.0.2.60").status_code == 302


def test_forwarded_for_is_ignored_from_a_direct_client(capp, accounts) -> None:
    """Only our own proxy (loopback) may name the client's address; anyone else would dodge the limit."""
    client = capp.test_client()
    statuses = []
    for n in range(ACCOUNT_ADDRESS.free + 1):
        token = csrf_token(client)
        statuses.append(client.post("/console/login", data={"name": "demo-admin", "password": "wrong-password-9",
                                                             "csrf_token": token},
                                    headers={"X-Forwarded-For": f"192.0.2.{n}"},
                                    environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code)
    assert statuses[-1] == 429


# --- Medium 7: logout ends the session on the server -------------------------------------------------------

def test_a_cookie_saved_before_logout_opens_nothing_after(capp, accounts, db) -> None:
    client = login(capp, accounts, "staff")
    saved = client.get_cookie("xingban_console").value
    assert client.get("/console/kb").status_code == 200
    assert post(client, "/console/logout").status_code == 302
    replay = capp.test_client()
    replay.set_cookie("xingban_console", saved)
    response = replay.get("/console/kb")
    assert response.status_code == 302 and response.location.startswith("/console/login")
    db.expire_all()
    assert db.exec(select(StaffSession)).all() == []


def test_logout_ends_only_that_session(capp, accounts) -> None:
    laptop, phone = login(capp, accounts, "staff"), login(capp, accounts, "staff")
    post(laptop, "/console/logout")
    assert phone.get("/console/kb").status_code == 200 and laptop.get("/console/kb").status_code == 302


def test_an_expired_session_row_is_refused(capp, accounts) -> None:
    client = login(capp, accounts, "staff")
    with time_machine.travel(utcnow() + timedelta(hours=13)):
        assert client.get("/console/kb").status_code == 302


# --- Low 9: `next` --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/console/kb\r\nSet-Cookie: x=1", "/console/kb\n", "/console/\x00kb",
                                    "https://evil.example/console/", "//evil.example/console/",
                                    "/console\\..\\evil", "javascript:alert(1)", " /console/kb"])
def test_a_bad_next_goes_to_the_dashboard(capp, accounts, target: str) -> None:
    client = capp.test_client()
    response = attempt(client, *accounts["staff"], "192.0.2.70", next_=target)
    assert response.status_code == 302 and response.location == "/console/dashboard"
    again = client.get("/console/login", query_string={"next": target})
    assert again.status_code == 302 and again.location == "/console/dashboard"


def test_a_good_next_is_kept(capp, accounts) -> None:
    response = attempt(capp.test_client(), *accounts["staff"], "192.0.2.71", next_="/console/kb?status=draft")
    assert response.location == "/console/kb?status=draft"


# --- Low 17: password rules --------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaaaa", "different characters"), ("password1234", "too common"), ("Password!2024", "too common"),
    ("qwerty123456", "too common"), ("abcdefghijkl", "sequence"), ("123456789012", "sequence"),
    ("zhaoming2024!", "account name"), ("zhaoming", "at least 12"), ("xyzwxyzwxyzw12", "too common"),
])
def test_user_add_refuses_weak_passwords(capp, password: str, why: str, monkeypatch) -> None:
    for key, value in {"XINGBAN_MODE": "test", "DATABASE_URL": capp.config["DATABASE_URL"],
                       "XINGBAN_INSTANCE_PATH": capp.instance_path}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(user_group, ["add", "--role", "staff", "--password-stdin", "zhaoming"],
                                input=password + "\n")
    assert result.exit_code == 2 and why in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # one clear line, no usage dump


def test_a_strong_password_is_accepted(capp) -> None:
    assert password_problem("correct horse battery staple", "zhaoming") == ""
    with session_scope(capp) as session:
        with pytest.raises(ValueError, match="account name"):
            create_account(session, "wangfang", "staff", "Wangfang-2024-x")
        user, _ = create_account(session, "wangfang", "staff", "tea-kettle-Orbit-47")
        assert user.id


# --- Low 18: volunteers see the queue and their own tickets ------------------------------------------------

def test_volunteer_does_not_see_tickets_claimed_by_others(capp, accounts, db) -> None:
    mine = ask_for_person(capp, db, "o-vis-1")
    theirs = ask_for_person(capp, db, "o-vis-2")
    queue = ask_for_person(capp, db, "o-vis-3")
    with session_scope(capp) as session:
        _, other_password = create_account(session, "vol-other", "volunteer")
    me, other = login(capp, accounts, "volunteer"), login(capp, {"volunteer": ("vol-other", other_password)},
                                                          "volunteer")
    post(me, f"/console/tickets/{mine.id}/claim", page=f"/console/tickets/{mine.id}")
    post(other, f"/console/tickets/{theirs.id}/claim", page=f"/console/tickets/{theirs.id}")
    for key in ("active", "claimed", "answered", "open"):
        listing = me.get(f"/console/tickets?status={key}").get_data(as_text=True)
        assert f"工单 #{theirs.id}<" not in listing, key
    listing = me.get("/console/tickets").get_data(as_text=True)
    assert f"工单 #{mine.id}<" in listing and f"工单 #{queue.id}<" in listing
    assert me.get(f"/console/tickets/{theirs.id}").status_code == 403
    assert me.get(f"/console/tickets/{mine.id}").status_code == 200
    assert me.get(f"/console/tickets/{queue.id}").status_code == 200
    refused = post(me, f"/console/tickets/{theirs.id}/propose", {"question": "x", "answer": "y"})
    assert refused.status_code == 403
    admin = login(capp, accounts, "admin").get("/console/tickets").get_data(as_text=True)
    assert all(f"工单 #{t.id}<" in admin for t in (mine, theirs, queue))


# --- Low 13: ticket numbers are never reused ---------------------------------------------------------------

def test_ticket_numbers_never_repeat_after_an_erasure(capp, db) -> None:
    first = ask_for_person(capp, db, "o-num-1").id
    with session_scope(capp) as session:
        assert erase_user(session, "o-num-1")
    db.expire_all()
    second = ask_for_person(capp, db, "o-num-2")
    assert second.id > first
    with session_scope(capp) as session:
        session.add(Ticket(user_id=second.user_id, reason="human"))
    db.expire_all()
    assert max(db.exec(select(Ticket.id)).all()) == second.id + 1


# --- Low 14: the database file and the instance folder are private -----------------------------------------

@pytest.mark.sqlite_only
def test_database_file_and_instance_folder_are_created_private(tmp_path: Path, sandbox: SandboxServer,
                                                               cache_dir: Path) -> None:
    if os.environ.get("XINGBAN_TEST_DATABASE_URL"):
        pytest.skip("SQLite only")
    old = os.umask(0o022)  # the usual umask, which would give 0644 / 0755
    try:
        app: Flask = build_app(tmp_path, sandbox, cache_dir)
    finally:
        os.umask(old)
    instance = Path(app.instance_path)
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    wal = database.with_name(database.name + "-wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    app.extensions["db_engine"].dispose()

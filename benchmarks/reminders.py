"""Outbox throughput and exactly-once proof: N due reminders, several dispatcher processes, one sandbox.

Usage: DATABASE_URL=postgresql+psycopg://... python benchmarks/reminders.py [--count 100000] [--processes 2]
       [--workers 4] [--batch-size 200] [--kill-after 5]

The database's public schema is DROPPED and recreated: point DATABASE_URL at a throwaway database.
With --kill-after S, one dispatcher is SIGKILLed S seconds in (mid-send, leases held) and a replacement
starts; the dead one's rows come back after the (short) lease. The run then checks the sandbox record:
every reminder key delivered exactly once, and every outbox row `sent`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from http_load import free_port  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.sandbox.server import SandboxControl  # noqa: E402

APP_ID, SECRET = "wxbench000000001", "benchsecret00000000000000000001"
SETTINGS = {"XINGBAN_MODE": "test", "WECHAT_TOKEN": "benchtoken0001", "WECHAT_APP_ID": APP_ID,
            "WECHAT_APP_SECRET": SECRET, "XINGBAN_SECRET_KEY": secrets.token_urlsafe(32)}
USERS = 1000


def make_app(database_url: str, sandbox_url: str, instance: str):  # type: ignore[no-untyped-def]
    import bot.storage.classes  # noqa: F401
    from bot import create_app

    return create_app({**SETTINGS, "DATABASE_URL": database_url, "WECHAT_API_BASE_URL": sandbox_url,
                       "XINGBAN_PRELOAD": False}, instance_path=instance)


def prepare(app, count: int) -> None:  # type: ignore[no-untyped-def]
    """Fresh schema; USERS families each enrolled in count/(2*USERS) sessions; every reminder due now."""
    from bot.outbox.schedule import insert_ignore
    from bot.storage.classes import Enrolment, TrainingSession
    from bot.storage.db import get_engine, session_scope
    from bot.storage.migrate import upgrade
    from bot.storage.models import Centre, User
    from bot.timeutil import utcnow

    with get_engine(app).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(app)
    now = utcnow()
    users = min(USERS, max(1, count // 2))
    sessions = -(-count // (2 * users))  # ceiling
    with session_scope(app) as db:
        centre = Centre(code="bench", name="Bench centre", region="qijiang")
        db.add(centre)
        db.flush()
        family = [User(openid=f"o-bench-{i:05d}", reminders_on=True, centre_id=centre.id) for i in range(users)]
        classes = [TrainingSession(centre_id=centre.id, title=f"第{i + 1}次家长课", kind="parent_training",
                                   starts_at=now + timedelta(days=2, hours=i),
                                   ends_at=now + timedelta(days=2, hours=i + 1), place="示范路1号")
                   for i in range(sessions)]
        db.add_all(family + classes)
        db.flush()
        db.exec(insert(Enrolment), params=[{"user_id": u.id, "session_id": s.id, "created_at": now}
                                           for s in classes for u in family])
        pending = [{"key": f"r:{s.id}:{u.id}:{offset}", "user_id": u.id, "session_id": s.id,
                    "offset_minutes": offset, "due_at": now - timedelta(minutes=1)}
                   for s in classes for u in family for offset in (1440, 120)][:count]
        for start in range(0, len(pending), 5000):
            insert_ignore(db, pending[start:start + 5000])
    with session_scope(app) as db:
        from bot.storage.classes import Reminder

        assert db.exec(select(func.count()).select_from(Reminder)).one()[0] == count


def worker(args: argparse.Namespace) -> None:
    """One dispatcher process: drain what is due, then exit."""
    from bot.outbox.dispatcher import OutboxDispatcher
    from bot.wechat.client import WeChatApiClient

    app = make_app(os.environ["DATABASE_URL"], args.sandbox_url, args.instance)
    client = WeChatApiClient(APP_ID, SECRET, args.sandbox_url)  # plain client: token kept in memory
    with app.app_context():
        counts = OutboxDispatcher(app, client=client, lease_seconds=args.lease, batch_size=args.batch_size,
                                  workers=args.workers).tick(max_batches=10**6)
    print(f"worker {os.getpid()}: {dict(counts)}", flush=True)


def start_sandbox() -> tuple[subprocess.Popen, SandboxControl]:
    """The sandbox in its own process, so its GIL is not shared with anything else."""
    port = free_port()
    code = ("import sys; from bot.sandbox.server import run_sandbox; "
            f"run_sandbox('127.0.0.1', {port}, {APP_ID!r}, {SECRET!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    control = SandboxControl(f"http://127.0.0.1:{port}/cgi-bin/", timeout=120)
    for _ in range(100):
        try:
            control.stats()
            return proc, control
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("sandbox did not start")


def spawn(args: argparse.Namespace, sandbox_url: str, instance: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--worker", "--sandbox-url", sandbox_url, "--instance",
                             instance, "--workers", str(args.workers), "--batch-size", str(args.batch_size),
                             "--lease", str(args.lease)], cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="parallel sends per dispatcher")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--lease", type=int, default=15, help="lease seconds (production: 120)")
    parser.add_argument("--kill-after", type=float, default=0, help="SIGKILL one dispatcher after S seconds")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a throwaway PostgreSQL database (its schema is dropped)")
    from bot.storage.classes import Reminder
    from bot.storage.db import session_scope

    sandbox_proc, sandbox = start_sandbox()
    instance = tempfile.mkdtemp(prefix="xingban-bench-")
    app = make_app(url, sandbox.url, instance)
    began = time.perf_counter()
    prepare(app, args.count)
    print(f"prepared {args.count} due reminders in {time.perf_counter() - began:.1f} s", flush=True)
    started = time.perf_counter()
    procs = [spawn(args, sandbox.url, instance) for _ in range(args.processes)]
    if args.kill_after:
        time.sleep(args.kill_after)
        os.kill(procs[0].pid, signal.SIGKILL)
        print(f"killed dispatcher {procs[0].pid} mid-run; starting a replacement", flush=True)
        procs.append(spawn(args, sandbox.url, instance))
    for proc in procs:
        proc.wait()
    while True:  # the killed one's leases: wait them out and drain (a scheduler's next tick does this)
        with session_scope(app) as db:
            left = db.exec(select(func.count()).select_from(Reminder).where(Reminder.status == "pending")).one()[0]
        if not left:
            break
        time.sleep(args.lease)
        spawn(args, sandbox.url, instance).wait()
    elapsed = time.perf_counter() - started
    try:
        report(app, sandbox, args.count, elapsed)
    finally:
        sandbox_proc.terminate()


def report(app, sandbox, count: int, elapsed: float) -> None:  # type: ignore[no-untyped-def]
    from bot.storage.classes import Reminder
    from bot.storage.db import session_scope

    records = sandbox.sent("message/template/send")
    per_id = Counter(r["client_msg_id"] for r in records)
    calls = sandbox.calls("message/template/send")
    with session_scope(app) as db:
        states = dict(db.exec(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
        keys = {k for (k,) in db.exec(select(Reminder.key)).all()}
    doubled = sum(1 for n in per_id.values() if n > 1)
    lost = len(keys - set(per_id))
    print(f"dispatched {count} reminders in {elapsed:.1f} s = {count / elapsed:.0f}/s "
          f"(template calls {calls}, re-sends absorbed by client_msg_id {calls - len(records)})")
    print(f"outbox states {states}; delivered ids {len(per_id)}; lost {lost}; doubled {doubled}")
    if lost or doubled or states.get("sent") != count:
        raise SystemExit("FAILED: not exactly once")
    print("OK: every reminder delivered exactly once")


if __name__ == "__main__":
    main()

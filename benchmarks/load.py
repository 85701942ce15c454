"""Scale-out load: the webhook against a bare Flask hello, then a 10 000-family staff push under traffic.

Usage: [DATABASE_URL=postgresql+psycopg://...] [REDIS_URL=redis://...] python benchmarks/load.py
       [--seconds 10] [--workers 2] [--clients 8] [--families 10000] [--dispatchers 2] [--dispatch-workers 4]

1. Steady state: signed text messages posted to `/wechat` (gunicorn on loopback, app preloaded) for
   --seconds, and the same load against benchmarks/hello_app.py under the same gunicorn settings: req/s,
   p50/p95/p99, errors, and the ratio webhook/hello.
2. Burst: --families followed families enrolled in one class (bulk-inserted), one staff push
   (`bot.timetable.push_notice`, in its own process, as the console would) while the parents keep messaging;
   --dispatchers `xingban scheduler` processes send it to a sandbox process. Reports how long the push takes
   until every notice is sent, the webhook's latency meanwhile, and checks the sandbox got each notice once.

Run it with PostgreSQL + Redis for multi-worker figures (SQLite serialises writers across processes).
Nothing is dropped: the families get a per-run openid prefix. Everything listens on 127.0.0.1 and every
process it starts is stopped at the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from http_load import ROOT, LoadResult, bot_env, compare, drive, migrate, start_gunicorn
from reminders import APP_ID, SECRET, start_sandbox

TEMPLATE = "message/template/send"
PG_MAX_PARAMS = 65535
PUSH_TEXT = "本周六课程改在三楼多功能厅，请提前十分钟到场签到。"


def make_app(database_url: str, instance: str):  # type: ignore[no-untyped-def]
    from bot import create_app

    return create_app({"XINGBAN_MODE": "test", "DATABASE_URL": database_url, "WECHAT_APP_ID": APP_ID,
                       "WECHAT_APP_SECRET": SECRET, "XINGBAN_PRELOAD": False}, instance_path=instance)


def daytime(now: datetime) -> datetime:
    """The latest moment <= now outside quiet hours, so the push is due now at any hour of the day
    (at night the product would hold it until 08:00; the benchmark wants the sending, not the wait)."""
    from bot.outbox.schedule import in_quiet_hours

    while in_quiet_hours(now):
        now -= timedelta(minutes=15)
    return now


def seed(app, families: int, run: str) -> int:  # type: ignore[no-untyped-def]
    """One class and `families` enrolled, followed families (bulk: two executemany inserts); its id."""
    from sqlalchemy import insert, select

    from bot.storage.classes import Enrolment
    from bot.storage.db import session_scope
    from bot.storage.models import Centre, User
    from bot.timetable import create_session
    from bot.timeutil import utcnow

    now = utcnow()
    with session_scope(app) as db:
        centre = Centre(code=f"load-{run}", name="压测中心", region="qijiang", address="示范路1号")
        db.add(centre)
        db.flush()
        session = create_session(db, centre, "结构化游戏家长课", "parent_training", now + timedelta(days=1),
                                 now + timedelta(days=1, minutes=90), place="二楼活动室")
        db.exec(insert(User), params=[  # type: ignore[call-overload]
            {"openid": f"p{run}-{i:05d}", "followed": True, "reminders_on": True, "centre_id": centre.id,
             "region": "qijiang", "profile": {}, "dialogue": {}, "created_at": now} for i in range(families)])
        ids = db.exec(select(User.id).where(User.centre_id == centre.id)).scalars().all()  # type: ignore[call-overload]
        db.exec(insert(Enrolment), params=[{"user_id": uid, "session_id": session.id, "created_at": now}  # type: ignore[call-overload]
                                           for uid in ids])
        return int(session.id or 0)


def push_worker(args: argparse.Namespace) -> None:
    """The staff push, in its own process (as the console's would be): prints {audit, recipients, seconds}."""
    import bot.timetable
    from bot.storage.classes import TrainingSession
    from bot.storage.db import session_scope
    from bot.timeutil import utcnow

    app = make_app(os.environ["DATABASE_URL"], args.instance)
    if not args.as_is and app.config["DATABASE_URL"].startswith("postgresql") and args.families * 13 > PG_MAX_PARAMS:
        # insert_ignore sends all rows as ONE multi-row VALUES statement: 13 bind parameters per row, and
        # PostgreSQL allows 65535, so push_notice fails above 5041 recipients. Until the product batches it
        # (reported), push through the same function in chunks.
        original = bot.timetable.insert_ignore

        def chunked(db, rows):  # type: ignore[no-untyped-def]
            rows = list(rows)
            return sum(original(db, rows[i:i + 2000]) for i in range(0, len(rows), 2000))

        bot.timetable.insert_ignore = chunked
        print("NOTE: push_notice's single INSERT exceeds PostgreSQL's 65535 parameters; chunking it here",
              file=sys.stderr, flush=True)
    started, began = time.time(), time.perf_counter()
    with session_scope(app) as db:
        session = db.get(TrainingSession, args.session_id)
        audit = bot.timetable.push_notice(db, "压测员", session, PUSH_TEXT, now=daytime(utcnow()))
        result = {"audit": audit.id, "recipients": audit.recipients, "started": started}
    result["seconds"] = time.perf_counter() - began  # push_notice and its commit
    print(json.dumps(result), flush=True)


def start_dispatcher(env: dict[str, str], args: argparse.Namespace, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "--interval", "1",
                                 "--workers", str(args.dispatch_workers), "--batch-size", str(args.batch_size)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_started(logs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all("ticking every" in log.read_text(errors="replace") for log in logs):
            return
        time.sleep(0.1)
    raise SystemExit("dispatchers did not start: " + " | ".join(log.read_text(errors="replace")[-300:] for log in logs))


def progress(app, audit_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from bot.storage.classes import PushAudit
    from bot.storage.db import get_engine

    with get_engine(app).connect() as conn:
        row = conn.execute(PushAudit.__table__.select().where(PushAudit.id == audit_id)).one()  # type: ignore[attr-defined]
    return row.delivered, row.failed


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def burst(args: argparse.Namespace, env: dict[str, str], instance: str, procs: list[subprocess.Popen]) -> None:
    run = uuid.uuid4().hex[:6]
    sandbox_proc, sandbox = start_sandbox()
    procs.append(sandbox_proc)
    env = {**env, "WECHAT_API_BASE_URL": sandbox.url}
    app = make_app(env["DATABASE_URL"], instance)
    began = time.perf_counter()
    session_id = seed(app, args.families, run)
    print(f"seeded {args.families} enrolled families in {time.perf_counter() - began:.1f} s", flush=True)

    gunicorn, url = start_gunicorn("wsgi:app", args.workers, env)
    procs.append(gunicorn)
    logs = [Path(instance) / f"dispatcher-{n}.log" for n in range(args.dispatchers)]
    procs.extend(start_dispatcher(env, args, log) for log in logs)
    drive(url, 1.0, args.clients, prefix="warmup")
    wait_started(logs)

    done = threading.Event()
    during: list[LoadResult] = []
    load = threading.Thread(target=lambda: during.append(drive(url, args.timeout + 60, args.clients, "burst", done, expect_xml=True)))
    load.start()
    try:
        time.sleep(1.0)  # parents already messaging when the push lands
        cmd = [sys.executable, __file__, "--push-worker", "--instance", instance, "--session-id", str(session_id),
               "--families", str(args.families)] + (["--as-is"] if args.as_is else [])
        pushed = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.timeout)
        if pushed.returncode:
            raise SystemExit(f"push_notice failed:\n{pushed.stderr[-2000:]}")
        sys.stderr.write(pushed.stderr)
        result = json.loads(pushed.stdout.strip().splitlines()[-1])
        audit, recipients, t0 = result["audit"], result["recipients"], result["started"]  # wall clock
        while (finished := sum(progress(app, audit))) < recipients and time.time() < t0 + args.timeout:
            time.sleep(0.1)
        t_all = time.time() - t0
    finally:
        done.set()
        load.join()
    delivered, failed = progress(app, audit)
    web = during[0]
    t_push = result["seconds"]
    print(f"push_notice to {recipients} families: {t_push:.1f} s to write the outbox rows and commit")
    print(f"all {finished}/{recipients} outcomes recorded {t_all:.1f} s after push_notice was called "
          f"(delivered {delivered}, failed {failed}; {args.dispatchers} dispatcher(s) x "
          f"{args.dispatch_workers} parallel sends; {recipients / max(t_all - t_push, 1e-9):.0f} sends/s once "
          f"the rows existed)")
    print(web.line("webhook during push"), f"({len(web.latencies)} requests while the push ran, "
          "including the push worker's start-up)")
    records = [r for r in sandbox.sent(TEMPLATE) if str(r.get("client_msg_id", "")).startswith(f"p:{audit}:")]
    per_id = Counter(r["client_msg_id"] for r in records)
    calls = sandbox.calls(TEMPLATE)
    doubled = sum(1 for n in per_id.values() if n > 1)
    print(f"sandbox: {len(per_id)} distinct notices delivered, doubled {doubled}, template calls {calls}")
    if finished < recipients or len(per_id) != recipients or doubled:
        raise SystemExit("FAILED: the push did not reach every family exactly once in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="steady-state load per server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--clients", type=int, default=8, help="client threads posting messages")
    parser.add_argument("--families", type=int, default=10_000, help="families in the pushed class (0: no burst)")
    parser.add_argument("--dispatchers", type=int, default=2, choices=range(1, 5), help="scheduler processes")
    parser.add_argument("--dispatch-workers", type=int, default=4, help="parallel sends per dispatcher")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=300, help="upper bound for the push to complete")
    parser.add_argument("--as-is", action="store_true", help="no chunking workaround for push_notice on PostgreSQL")
    parser.add_argument("--push-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--session-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.push_worker:
        return push_worker(args)

    instance = tempfile.mkdtemp(prefix="xingban-load-")
    env = {**bot_env(instance), "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": SECRET}
    migrate(env)
    database = env["DATABASE_URL"].split(":")[0]
    print(f"gunicorn -w {args.workers}, {args.clients} client threads, {args.seconds:g} s each, {os.cpu_count()} "
          f"CPUs, database {database}, redis {'yes' if env.get('REDIS_URL') else 'no'}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    [(hello, bot)] = compare(args.workers, env, args.seconds, args.clients, rounds=1)
    print(hello.line("hello"), flush=True)
    print(bot.line("webhook"), flush=True)
    print(f"ratio webhook/hello = {bot.rps / hello.rps:.2f} (target >= 0.5)", flush=True)
    if args.families <= 0:
        return
    procs: list[subprocess.Popen] = []
    try:
        burst(args, env, instance, procs)
    finally:
        stop(procs)
        print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

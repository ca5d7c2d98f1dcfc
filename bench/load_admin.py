"""Load test (make load): the admin under 50 concurrent users, on an organisation of 100,000 expenses,
served by waitress (SQLite and PostgreSQL) and by gunicorn (PostgreSQL).

For each database (a fresh SQLite file; PostgreSQL at ``FUNDTRACK_BENCH_POSTGRES_URL``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``, on a database of its own created
and dropped here, skipped saying so when unreachable):

1. the Parc-Extension example is loaded, with one account per role, then 100,000 expenses
   and their charges are bulk-inserted through SQLAlchemy Core;
2. the admin is served in a subprocess: waitress (``--threads``); on PostgreSQL gunicorn
   too, ``--gunicorn`` WxT: W processes of T threads each (gthread; skipped, saying
   so, when gunicorn is not installed). On this 2-core machine, of 2x4, 2x8, 3x4 and 4x2,
   2 workers of 4 threads gave the lowest p95: more workers only add processes competing
   for the same two cores (with the load generator and PostgreSQL);
3. a load generator (threads and ``http.client``, one keep-alive connection per user) has
   50 users log in then loop over the pages for a bounded time (``--seconds``): the expense
   list ``/expenses/``, the dashboard ``/``, the hiring simulator running the example's
   scenario of two hires, and the budget workbook's download every ``--report-every``
   rounds. Each user pauses between clicks as a person reading the page would (``--think``,
   1 s on average, 0.5 to 1.5 s: 50 people clicking that fast is a busy morning, and that
   is the offered load judged); one user in ``--writer-every`` is a treasurer who also
   records an expense each round through the create form (its CSRF token read from the
   form), its description a marker unique to the run;
4. after the run every expense answered as recorded is looked up by its marker: it must be
   in the database exactly once, none refused may be, and none may go unanswered
   ("writes: N made, N found, 0 lost");
5. each page's median and 95th-percentile latency, and its errors (must be 0), are printed
   against the aims: p95 at most 150 ms for lists and the dashboard, 300 ms for the
   simulator (a workbook's download and the write are shown, not judged); one user alone
   shows what a page costs without waiting its turn, and a run without any pause shows
   the server's ceiling in requests per second;
6. the SQL statements each page runs are counted at two page sizes (20 and 100 rows):
   they must not grow with the page.

All users come from 127.0.0.1, so the login rate limit is raised for the served app (it
would otherwise refuse the 11th login of the minute); everything else is as served.

Run: .venv/bin/python bench/load_admin.py [--users 50] [--seconds 20] [--expenses 100000]
     [--gunicorn 2x4[,3x4...]] [--think 1] [--report-every 5] [--writer-every 6] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402

import fundtrack.models  # noqa: E402, F401  (registers every table)
from fundtrack.db import database_url, make_engine, session_factory, unit_of_work  # noqa: E402
from fundtrack.models import BudgetCategory, Expense, ExpenseCharge, Grant, Project  # noqa: E402
from fundtrack.models.base import Base  # noqa: E402
from fundtrack.roles import Role  # noqa: E402
from fundtrack.services import interchange  # noqa: E402
from fundtrack.services.context import acting_for  # noqa: E402
from fundtrack.services.users import NewUser, create_user  # noqa: E402

EXAMPLE = ROOT / "examples" / "parc-extension.yaml"
PASSWORD = "mot-de-passe-de-banc"
CHEAP = "pbkdf2:sha256:1000"  # 50 logins at scrypt's cost would measure the hash, not the pages
ACCOUNTS = {
    Role.TREASURER: "tresoriere@bench.example",
    Role.COORDINATOR: "coordination@bench.example",
    Role.BOARD: "ca@bench.example",
}
AIMS_MS = {"list": 150.0, "dashboard": 150.0, "simulator": 300.0}  # a workbook's download is shown, not judged
GUNICORN_WORKERS = 2  # on 2 cores (see --workers)
GUNICORN_THREADS = 4
SIMULATOR_URLS = ("/simulator/", "/simulate/", "/hiring/")
SCENARIO = "both"  # the example's stored scenario: hiring the mobilisation and the communications agents
PAYEES = ["Interprètes Montréal inc.", "Papeterie du Parc", "Traiteur Jarry", "Imprimerie Ogilvy", "STM"]


# --- the organisation -----------------------------------------------------------------------


def fill(url: str, count: int) -> None:
    """The example, one account per role, and ``count`` expenses charged to its first grant."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    with unit_of_work(factory) as session:
        acting = acting_for(session)
        for role, email in ACCOUNTS.items():
            create_user(session, acting, NewUser(email, role.value, role.value), PASSWORD, method=CHEAP)
    with unit_of_work(factory) as session:
        org_id = acting_for(session).organisation_id
        project_ids = list(session.scalars(select(Project.id).where(Project.organisation_id == org_id)))
        category_ids = list(session.scalars(select(BudgetCategory.id).where(BudgetCategory.organisation_id == org_id)))
        grant_id = session.scalars(select(Grant.id).order_by(Grant.id)).first()
        first_id = (session.scalar(select(Expense.id).order_by(Expense.id.desc()).limit(1)) or 0) + 1
        rng = random.Random(2026)
        chunk = 10_000
        for start in range(0, count, chunk):
            expenses, charges = [], []
            for n in range(start, min(start + chunk, count)):
                cost = Decimal(rng.randrange(500, 50_000)) / 100
                expenses.append(
                    {
                        "id": first_id + n,
                        "organisation_id": org_id,
                        "project_id": project_ids[n % len(project_ids)],
                        "category_id": category_ids[n % len(category_ids)],
                        "expense_date": date(2025, 4, 1) + timedelta(days=n % 730),
                        "payee": PAYEES[n % len(PAYEES)],
                        "description": f"Dépense générée n° {n + 1}",
                        "pre_tax": cost,
                        "gst": Decimal("0.00"),
                        "qst": Decimal("0.00"),
                        "gst_rebate": Decimal("0.00"),
                        "qst_rebate": Decimal("0.00"),
                        "net_cost": cost,
                        "receipt_reference": f"R-{n + 1:06d}",
                    }
                )
                charges.append({"expense_id": first_id + n, "grant_id": grant_id, "amount": cost})
            session.execute(insert(Expense), expenses)
            session.execute(insert(ExpenseCharge), charges)
        if engine.dialect.name == "postgresql":  # the ids were given: the next expense the form records follows them
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('expenses', 'id'), (SELECT max(id) FROM expenses))")
            )
    # the statistics and visibility map autovacuum gathers soon after a bulk load: without them the
    # planner takes 100,000 expenses for 46 and sorts them all for a page of 50
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'bench-admin.sqlite3'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    server = database_url(server_url)
    name = f"fundtrack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the served admin -----------------------------------------------------------------------


def app_config(url: str, folder: Path) -> dict[str, Any]:
    return {
        "FUNDTRACK_DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FUNDTRACK_DATA_DIR": str(folder / "data"),
        "FUNDTRACK_LOGIN_LIMIT": "100000 per minute",  # every user of the bench comes from 127.0.0.1
    }


@dataclass(frozen=True)
class Server:
    """How the admin is served: waitress (one process, ``threads`` threads) or gunicorn
    (``workers`` processes of ``threads`` threads each, the gthread worker)."""

    name: str  # waitress or gunicorn
    workers: int
    threads: int

    @property
    def label(self) -> str:
        if self.name == "waitress":
            return f"waitress, {self.threads} threads"
        return f"gunicorn, {self.workers} workers x {self.threads} threads (gthread)"


def serve(url: str, port: int, server: Server, folder: Path) -> None:
    """The subprocess: the admin under waitress or gunicorn on 127.0.0.1:``port``."""
    import logging

    from admin_app import create_app

    if server.name == "gunicorn":
        from gunicorn.app.base import BaseApplication

        class Gunicorn(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                options = {
                    "bind": f"127.0.0.1:{port}",
                    "workers": server.workers,
                    "worker_class": "gthread",
                    "threads": server.threads,
                    "keepalive": 75,  # each user keeps its connection between clicks
                    "graceful_timeout": 5,
                    "loglevel": "warning",
                }
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return create_app(app_config(url, folder))  # in each worker, after the fork

        Gunicorn().run()
        return
    from waitress.server import create_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N": expected under load
    create_server(create_app(app_config(url, folder)), host="127.0.0.1", port=port, threads=server.threads).run()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def gunicorn_missing() -> str | None:
    """Why gunicorn cannot serve here (not installed, or no fork on this system), else None."""
    if not hasattr(os, "fork"):
        return "this system has no fork()"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "gunicorn is not installed (pip install gunicorn)"
    return None


@contextmanager
def served(url: str, server: Server, folder: Path) -> Iterator[int]:
    """The admin served in a subprocess, once ``/health`` answers (every worker of gunicorn
    is started by then or moments later: the first round of clicks is a warm-up anyway)."""
    port = free_port()
    args = [sys.executable, __file__, "--serve", url, str(port), server.name, str(server.workers)]
    args += [str(server.threads), str(folder)]
    process = subprocess.Popen(args)
    try:
        deadline = time.perf_counter() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the admin did not start under {server.name} (exit {process.returncode})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise SystemExit(f"the admin did not answer under {server.name} within 60 s")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- a user over HTTP -----------------------------------------------------------------------


class User:
    """One person's keep-alive connection and session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        content = response.read().decode("utf-8", "replace")
        found = re.match(r"fundtrack_session=([^;]*)", response.headers.get("Set-Cookie") or "")
        if found:
            self.cookie = f"fundtrack_session={found.group(1)}"
        return response.status, content, dict(response.headers)

    def log_in(self, email: str) -> None:
        status, page, _ = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert status == 200 and token, status
        status, _, headers = self.request(
            "POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        if status != 302 or headers.get("Location", "").endswith("/login"):
            raise RuntimeError(f"login refused for {email}: {status}")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Page:
    kind: str  # list, dashboard, simulator or report
    path: str
    label: str


REPORT = "/reports/budget.xlsx"  # the budget workbook: budget vs actual and the packages of every project


def pages_present(port: int) -> list[Page]:
    """The pages this branch has: the expense list (else the funders'), the dashboard, the
    simulator, the budget workbook's download."""
    user = User(port)
    user.log_in(ACCOUNTS[Role.TREASURER])
    found: list[Page] = []
    if user.request("GET", "/expenses/")[0] == 200:
        found.append(Page("list", "/expenses/", "expense list /expenses/"))
    else:
        print("  the expense list (/expenses/) is missing on this branch: the funders list /funders/ stands in")
        found.append(Page("list", "/funders/", "funders list /funders/"))
    found.append(Page("dashboard", "/", "dashboard /"))
    for path in SIMULATOR_URLS:
        if user.request("GET", path)[0] == 200:
            # a simulation run (the example's scenario "both": the two hires), else the page as it opens
            run = f"{path}?{urlencode({'scenario': SCENARIO})}"
            status, body, _ = user.request("GET", run)
            if status == 200 and "is-invalid" not in body and "invalid-feedback" not in body:
                path = run
            found.append(Page("simulator", path, f"hiring simulator {path}"))
            break
    else:
        print(f"  the hiring simulator ({', '.join(SIMULATOR_URLS)}) is missing on this branch: skipped")
    status, _, headers = user.request("GET", REPORT)
    if status == 200 and "spreadsheetml" in headers.get("Content-Type", ""):
        found.append(Page("report", REPORT, f"budget workbook {REPORT}"))
    else:
        print(f"  the budget workbook ({REPORT}) is missing on this branch: skipped")
    user.close()
    return found


# --- SQL statements per page ----------------------------------------------------------------


def statements_per_page(url: str, folder: Path, pages: list[Page]) -> dict[str, tuple[int, int]]:
    """Each list's statements at 20 and at 100 rows a page; the other pages' at one size."""
    from admin_app import create_app

    app = create_app({**app_config(url, folder), "TESTING": True})
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token
    client.post("/login", data={"email": ACCOUNTS[Role.TREASURER], "password": PASSWORD, "csrf_token": token.group(1)})
    engine = app.extensions["fundtrack.engine"]
    counts: dict[str, tuple[int, int]] = {}

    def count(path: str) -> int:
        seen: list[str] = []

        def record(*args: Any) -> None:
            seen.append(args[2])

        client.get(path)  # warm: the first request of a process loads more than a page does
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, (path, response.status_code)
        return len(seen)

    for p in pages:
        if p.kind == "list":
            counts[p.label] = (count(f"{p.path}?page_size=20"), count(f"{p.path}?page_size=100"))
        else:
            counts[p.label] = (count(p.path), count(p.path))
    engine.dispose()
    with app.app_context():
        from admin_app.extensions import db

        for e in db.engines.values():
            e.dispose()
    return counts


# --- the load -------------------------------------------------------------------------------

WRITE = "expense form /expenses/new/ (post)"


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    written: list[str] = field(default_factory=list)  # markers of the expenses answered as recorded
    refused: list[str] = field(default_factory=list)  # markers refused with a message beside a field
    unanswered: list[str] = field(default_factory=list)  # markers whose post failed without an answer
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_expense(user: User, marker: str) -> str:
    """The treasurer records an expense through the create form (its CSRF token taken from
    the form): "done" (redirected to its details), "refused" (the form again, with a
    message), or "error" (anything else: a 500, a login page, no answer)."""
    status, page, _ = user.request("GET", "/expenses/new/")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or not token:
        return "error"
    form = {
        "csrf_token": token.group(1),
        "date": "2026-05-10",
        "payee": "Interprètes Montréal",
        "description": marker,
        "project": "Grands rendez-vous et assemblées",
        "category": "translation",
        "pre_tax": "123,45 $",
        "payment_method": "cheque",
        "charge": "auto",
    }
    status, page, headers = user.request("POST", "/expenses/new/", form)
    if status == 302 and "/expenses/details/" in headers.get("Location", ""):
        return "done"
    if status == 200 and ("invalid-feedback" in page or "alert-danger" in page):
        return "refused"
    return "error"


@dataclass(frozen=True)
class Plan:
    """What the users do: ``think`` seconds of reading between clicks on average (0: none);
    a report downloaded every ``report_every`` rounds of the pages; one user in
    ``writer_every`` (a treasurer) records an expense each round; ``run`` marks this run's
    expenses."""

    think: float
    report_every: int
    writer_every: int
    run: str


def click(user: User, port: int, page: Page) -> tuple[bool, User]:
    """Open ``page``: whether it answered as it should, and the user (a new connection after a failure)."""
    try:
        status, body, headers = user.request("GET", page.path)
    except (OSError, http.client.HTTPException):
        user.close()
        return False, User(port)
    if page.kind == "report":
        return status == 200 and "spreadsheetml" in headers.get("Content-Type", ""), user
    return status == 200 and 'name="password"' not in body, user


def record(user: User, port: int, marker: str, out: Results) -> User:
    """One expense recorded through the form, its outcome kept by its marker."""
    began = time.perf_counter()
    try:
        outcome = write_expense(user, marker)
    except (OSError, http.client.HTTPException):
        outcome = "unanswered"
        user.close()
        user = User(port)
    took = (time.perf_counter() - began) * 1000
    with out.lock:
        out.latencies[WRITE].append(took)
        if outcome == "done":
            out.written.append(marker)
        elif outcome == "refused":
            out.refused.append(marker)
        else:
            out.errors[WRITE] += 1
            out.unanswered.append(marker)
    return user


def one_user(
    port: int,
    number: int,
    pages: list[Page],
    start: threading.Barrier,
    until: list[float],
    out: Results,
    plan: Plan | None,
) -> None:
    user = User(port)
    pacing = random.Random(number)
    roles = list(ACCOUNTS.values())
    writer = plan is not None and plan.writer_every > 0 and number % plan.writer_every == 0
    try:
        user.log_in(ACCOUNTS[Role.TREASURER] if writer else roles[number % len(roles)])
    except Exception as exc:  # counted, and the user stops
        with out.lock:
            out.errors["login"] += 1
        print(f"  user {number}: {exc}")
        start.wait()
        return
    start.wait()
    order = pages[number % len(pages) :] + pages[: number % len(pages)]
    rounds = 0

    def pause() -> None:
        if plan is not None and plan.think:  # a person reads the page before the next click
            time.sleep(plan.think * (0.5 + pacing.random()))  # 0.5 to 1.5 times ``think``

    while time.perf_counter() < until[0]:
        for p in order:
            if p.kind == "report" and (plan is None or (rounds + number) % plan.report_every):
                continue  # a workbook now and then, not at every round (never in the ceiling's run)
            began = time.perf_counter()
            ok, user = click(user, port, p)
            took = (time.perf_counter() - began) * 1000
            with out.lock:
                out.latencies[p.label].append(took)
                if not ok:
                    out.errors[p.label] += 1
            pause()
        if writer and plan is not None:
            user = record(user, port, f"banc-{plan.run}-u{number:02d}-{rounds:04d}", out)
            pause()
        rounds += 1
    user.close()


def load(port: int, pages: list[Page], users: int, seconds: float, plan: Plan | None = None) -> Results:
    """``users`` people for ``seconds``; without a plan, no pause, no report, no write."""
    out = Results()
    until = [float("inf")]
    start = threading.Barrier(users + 1)
    threads = [
        threading.Thread(target=one_user, args=(port, n, pages, start, until, out, plan), daemon=True)
        for n in range(users)
    ]
    for t in threads:
        t.start()
    start.wait(timeout=120)  # every user logged in
    until[0] = time.perf_counter() + seconds
    for t in threads:
        t.join(timeout=seconds + 120)
    return out


def check_writes(url: str, run_id: str, out: Results) -> tuple[int, int, int, int]:
    """Each expense answered as recorded is in the database exactly once; none refused is.
    Returns (made, found once, lost, duplicated or written though refused)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, int] = defaultdict(int)
            query = select(Expense.description).where(Expense.description.like(f"banc-{run_id}-%"))
            for (description,) in conn.execute(query):
                found[description] += 1
    finally:
        engine.dispose()
    made = len(out.written)
    once = sum(1 for m in out.written if found.get(m) == 1)
    lost = sum(1 for m in out.written if not found.get(m))
    wrong = sum(1 for m in out.written if found.get(m, 0) > 1) + sum(1 for m in out.refused if found.get(m))
    return made, once, lost, wrong


def verdict(value: float, aim: float) -> str:
    return "meets" if value <= aim else "misses"


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


def one_server(name: str, url: str, server: Server, pages: list[Page], args: argparse.Namespace, folder: Path) -> bool:
    """The three runs under one server: one user alone, the people, the ceiling; printed."""
    run_id = uuid.uuid4().hex[:8]
    plan = Plan(args.think, args.report_every, args.writer_every, run_id)
    with served(url, server, folder) as port:
        load(port, pages, 1, 2.0)  # warm-up: every worker's first requests load templates and catalogues
        alone = load(port, pages, 1, 3.0)  # one user alone: what a page costs without waiting its turn
        out = load(port, pages, args.users, args.seconds, plan)  # people: judged against the aims
        flood = load(port, pages, args.users, args.seconds / 2)  # no pause at all: the server's ceiling
    good = True
    total = sum(len(v) for v in out.latencies.values())
    writers = len(range(0, args.users, args.writer_every)) if args.writer_every else 0
    print(
        f"  {server.label}: {args.users} users for {args.seconds:.0f} s, each pausing {args.think:g} s on average"
        f" between clicks, a workbook every {args.report_every} rounds, {writers} of them recording expenses:"
        f" {total / args.seconds:.0f} requests/s (the load generator shares the machine's cores;"
        f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    print(f"    {'page':44} {'requests':>8} {'median':>9} {'p95':>9} {'aim p95':>8}  {'':6} {'errors':>6}")
    labels = [(p.label, AIMS_MS.get(p.kind)) for p in pages] + ([(WRITE, None)] if writers else [])
    for label, aim in labels:
        times = out.latencies.get(label, [])
        errors = out.errors.get(label, 0)
        good = good and errors == 0
        if len(times) < 2:
            print(f"    {label:44} too few requests to measure ({len(times)})")
            good = good and aim is None
            continue
        judged = f"{aim:6.0f}ms  {verdict(p95(times), aim):6}" if aim else f"{'—':>8}  {'':6}"
        if aim:  # for the whole run's table: the p95 as a share of its aim (at most 1)
            figure = f"{name}, {server.name} {server.workers}x{server.threads}: {label.split(' /')[0]} p95 / aim"
            harness.RESULTS.append(harness.Figure(figure, 1.0, (p95(times) / aim,), p95(times) / 1000, 0.0))
        print(
            f"    {label:44} {len(times):8d} {statistics.median(times):7.1f}ms {p95(times):7.1f}ms {judged} {errors:6d}"
        )
    if writers:
        made, once, lost, wrong = check_writes(url, run_id, out)
        print(
            f"    writes: {made} made, {once} found, {lost} lost"
            + (f", {wrong} duplicated or written though refused" if wrong else "")
            + f" ({len(out.refused)} refused with a message, {len(out.unanswered)} without an answer)"
        )
        good = good and lost == 0 and wrong == 0 and once == made and not out.unanswered
    print(
        "    one user alone (3 s): "
        + ", ".join(
            f"{p.kind} {statistics.median(alone.latencies[p.label]):.1f}ms"
            for p in pages
            if alone.latencies.get(p.label)
        )
    )
    flooded = sorted(t for v in flood.latencies.values() for t in v)
    if len(flooded) >= 20:
        print(
            f"    the ceiling: {args.users} users with no pause for {args.seconds / 2:.0f} s:"
            f" {len(flooded) / (args.seconds / 2):.0f} requests/s, all pages p95 {p95(flooded):.0f}ms"
            f" (queueing: not judged), errors {sum(flood.errors.values())}"
        )
    good = good and not sum(flood.errors.values())
    if out.errors.get("login") or alone.errors:
        print(f"    logins refused: {out.errors['login']}, errors of the user alone: {sum(alone.errors.values())}")
        good = False
    return good


def run(name: str, url: str, servers: list[Server], args: argparse.Namespace, folder: Path) -> bool:
    print(f"-- {name}: {args.expenses:,} expenses".replace(",", " "), flush=True)
    began = time.perf_counter()
    fill(url, args.expenses)
    print(f"  generated in {time.perf_counter() - began:.1f} s", flush=True)
    with served(url, Server("waitress", 1, args.threads), folder) as port:
        pages = pages_present(port)
    good = True
    for server in servers:
        good = one_server(name, url, server, pages, args, folder) and good
    counts = statements_per_page(url, folder, pages)
    print("  SQL statements per page (20 rows / 100 rows a page):")
    for label, (small, large) in counts.items():
        constant = "constant" if small == large else "GROWS with the page"
        good = good and small == large
        print(f"    {label:42} {small:3d} / {large:3d}  {constant}")
    return good


def postgres_reachable(server_url: str) -> bool:
    from sqlalchemy.exc import OperationalError

    try:
        engine = create_engine(database_url(server_url))
        with engine.connect():
            pass
        engine.dispose()
    except OperationalError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--expenses", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument(
        "--gunicorn",
        default=f"{GUNICORN_WORKERS}x{GUNICORN_THREADS}",
        help="gunicorn's workers x threads, several separated by commas (2x4,3x4); 0: waitress only",
    )
    parser.add_argument(
        "--think", type=float, default=1.0, help="each user's mean pause between clicks, in seconds (0: none)"
    )
    parser.add_argument("--report-every", type=int, default=5, help="a workbook downloaded every N rounds")
    parser.add_argument("--writer-every", type=int, default=6, help="one user in N records expenses (0: none)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which of sqlite and postgresql to run")
    parser.add_argument("--serve", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        url, port, name, workers, threads, folder = args.serve
        serve(url, int(port), Server(name, int(workers), int(threads)), Path(folder))
        return
    ok = True
    waitress = Server("waitress", 1, args.threads)
    with tempfile.TemporaryDirectory(prefix="fundtrack-bench-admin-") as tmp:
        folder = Path(tmp)
        chosen = {d.strip().lower() for d in args.databases.split(",")}
        if "sqlite" in chosen:
            with sqlite_database(folder) as url:
                ok = run("SQLite", url, [waitress], args, folder) and ok
        postgres = harness.POSTGRES_URL
        if "postgresql" not in chosen:
            print("-- PostgreSQL: not chosen (--databases)")
        elif not postgres_reachable(postgres):
            print(f"-- PostgreSQL at {postgres} unreachable: skipped (set FUNDTRACK_BENCH_POSTGRES_URL)")
        else:
            servers = [waitress]
            missing = gunicorn_missing()
            if missing:
                print(f"  gunicorn skipped: {missing}")
            elif args.gunicorn != "0":
                for shape in args.gunicorn.split(","):
                    workers, _, threads = shape.strip().partition("x")
                    servers.append(Server("gunicorn", int(workers), int(threads or 1)))
            with postgres_database(postgres) as url:
                ok = run("PostgreSQL", url, servers, args, folder) and ok
    harness.summary()  # the p95 of each judged page against its aim, for the whole run's table
    if not ok:
        raise SystemExit("errors, lost writes, or a page whose statements grow with its size (see above)")


if __name__ == "__main__":
    main()

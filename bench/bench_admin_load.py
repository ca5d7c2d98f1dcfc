"""Benchmark: the admin under waitress with 50 concurrent users, on an organisation of
100,000 expenses.

For each database (a fresh SQLite file; PostgreSQL too when ``FUNDTRACK_BENCH_POSTGRES_URL``
names a server, on a database of its own created and dropped here):

1. the Parc-Extension example is loaded, with one account per role, then 100,000 expenses
   and their charges are bulk-inserted through SQLAlchemy Core;
2. the SQL statements each page runs are counted at two page sizes (20 and 100 rows):
   they must not grow with the page;
3. the admin is started under waitress in a subprocess, and a load generator (threads and
   ``http.client``, one keep-alive connection per user) has 50 users log in then loop over
   the pages for a bounded time: the expense list (``/expenses/``, else the funders list
   while the expense view is missing on this branch), the dashboard ``/`` and the hiring
   simulator (skipped, saying so, while that page is missing);
4. each page's median and 95th-percentile latency, and its errors (must be 0), are printed
   against the aims: p95 at most 150 ms for lists and the dashboard, 300 ms for the simulator.

All users come from 127.0.0.1, so the login rate limit is raised for the served app (it
would otherwise refuse the 11th login of the minute); everything else is as served.

Run: .venv/bin/python bench/bench_admin_load.py [--users 50] [--seconds 20] [--expenses 100000]
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
AIMS_MS = {"list": 150.0, "dashboard": 150.0, "simulator": 300.0}
SIMULATOR_URLS = ("/simulator/", "/simulate/", "/hiring/")
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


def serve(url: str, port: int, threads: int, folder: Path) -> None:
    """The subprocess: the admin under waitress on 127.0.0.1:``port``."""
    import logging

    from waitress.server import create_server

    from admin_app import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N": expected under load
    server = create_server(create_app(app_config(url, folder)), host="127.0.0.1", port=port, threads=threads)
    print("ready", flush=True)
    server.run()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(url: str, threads: int, folder: Path) -> Iterator[int]:
    port = free_port()
    args = [sys.executable, __file__, "--serve", url, str(port), str(threads), str(folder)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"the admin did not start: {line!r}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()


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
    kind: str  # list, dashboard or simulator
    path: str
    label: str


def pages_present(port: int) -> list[Page]:
    """The pages this branch has: the expense list (else the funders'), the dashboard, the simulator."""
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
            found.append(Page("simulator", path, f"hiring simulator {path}"))
            break
    else:
        print(f"  the hiring simulator ({', '.join(SIMULATOR_URLS)}) is missing on this branch: skipped")
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


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)


def one_user(
    port: int, number: int, pages: list[Page], start: threading.Barrier, until: list[float], out: Results
) -> None:
    user = User(port)
    roles = list(ACCOUNTS.values())
    try:
        user.log_in(roles[number % len(roles)] if number % 3 else ACCOUNTS[Role.TREASURER])
    except Exception as exc:  # counted, and the user stops
        with out.lock:
            out.errors["login"] += 1
        print(f"  user {number}: {exc}")
        start.wait()
        return
    start.wait()
    order = pages[number % len(pages) :] + pages[: number % len(pages)]
    while time.perf_counter() < until[0]:
        for p in order:
            began = time.perf_counter()
            try:
                status, body, _ = user.request("GET", p.path)
                ok = status == 200 and 'name="password"' not in body
            except (OSError, http.client.HTTPException):
                ok = False
                user.close()
                user = User(port)
            took = (time.perf_counter() - began) * 1000
            with out.lock:
                out.latencies[p.label].append(took)
                if not ok:
                    out.errors[p.label] += 1
    user.close()


def load(port: int, pages: list[Page], users: int, seconds: float) -> Results:
    out = Results()
    until = [float("inf")]
    start = threading.Barrier(users + 1)
    threads = [
        threading.Thread(target=one_user, args=(port, n, pages, start, until, out), daemon=True) for n in range(users)
    ]
    for t in threads:
        t.start()
    start.wait(timeout=120)  # every user logged in
    until[0] = time.perf_counter() + seconds
    for t in threads:
        t.join(timeout=seconds + 60)
    return out


def verdict(value: float, aim: float) -> str:
    return "meets" if value <= aim else "misses"


def run(name: str, url: str, args: argparse.Namespace, folder: Path) -> bool:
    print(f"-- {name}: {args.expenses:,} expenses".replace(",", " "))
    began = time.perf_counter()
    fill(url, args.expenses)
    print(f"  generated in {time.perf_counter() - began:.1f} s")
    with served(url, args.threads, folder) as port:
        pages = pages_present(port)
        out = load(port, pages, args.users, args.seconds)
    counts = statements_per_page(url, folder, pages)
    good = True
    total = sum(len(v) for v in out.latencies.values())
    print(
        f"  {args.users} users for {args.seconds:.0f} s, no pause between requests, waitress with {args.threads}"
        f" threads: {total / args.seconds:.0f} requests/s (the load generator shares the machine's cores)"
    )
    print(f"  {'page':36} {'requests':>8} {'median':>9} {'p95':>9} {'aim p95':>8}  {'':6} {'errors':>6}")
    for p in pages:
        times = out.latencies.get(p.label, [])
        if len(times) < 2:
            print(f"  {p.label:36} too few requests to measure")
            good = False
            continue
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        aim = AIMS_MS[p.kind]
        errors = out.errors.get(p.label, 0)
        good = good and errors == 0
        print(
            f"  {p.label:36} {len(times):8d} {median:7.1f}ms {p95:7.1f}ms {aim:6.0f}ms  {verdict(p95, aim):6} {errors:6d}"
        )
    if out.errors.get("login"):
        print(f"  logins refused: {out.errors['login']}")
        good = False
    print("  SQL statements per page (20 rows / 100 rows a page):")
    for label, (small, large) in counts.items():
        constant = "constant" if small == large else "GROWS with the page"
        good = good and small == large
        print(f"    {label:34} {small:3d} / {large:3d}  {constant}")
    return good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--expenses", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--serve", nargs=4, metavar=("URL", "PORT", "THREADS", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        url, port, threads, folder = args.serve
        serve(url, int(port), int(threads), Path(folder))
        return
    ok = True
    with tempfile.TemporaryDirectory(prefix="fundtrack-bench-admin-") as tmp:
        folder = Path(tmp)
        with sqlite_database(folder) as url:
            ok = run("SQLite", url, args, folder) and ok
        postgres = os.environ.get("FUNDTRACK_BENCH_POSTGRES_URL")
        if postgres:
            with postgres_database(postgres) as url:
                ok = run("PostgreSQL", url, args, folder) and ok
        else:
            print(
                "-- PostgreSQL: skipped (set FUNDTRACK_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres)"
            )
    if not ok:
        raise SystemExit("errors, or a page whose statements grow with its size (see above)")


if __name__ == "__main__":
    main()

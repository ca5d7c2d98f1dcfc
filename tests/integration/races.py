"""Real concurrent sessions for the race tests: threads with their own sessions, and processes.

A race is made to happen, never hoped for. Either one session does its write and keeps
its transaction open until the others are *contended* — each of them blocked behind
its lock, or finished — before it commits (:func:`hold_until_contended`); or a gate
holds the lock every writer needs (PostgreSQL: the grant's row; SQLite: the database's
write lock) while the contenders start, and lets them all go at once when every one of
them waits behind it (:func:`race` for sessions, :func:`process_race` for processes).

"Blocked" is read from the database where it can say so: PostgreSQL lists the
sessions waiting for a lock (``pg_locks``). SQLite cannot: a contender is taken as
blocked once it has sent a statement and then stayed quiet for :data:`QUIET` seconds
(it sleeps in SQLite's busy handler). Code that locks correctly passes whatever the
timing; code that does not gets every chance to show it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from fundtrack.db import WRITE

QUIET = 0.15  # seconds without a statement: a SQLite contender sleeps behind the lock
PATIENCE = 20.0  # seconds before a race is declared stuck
# the command installed beside the interpreter running the tests (the project's venv)
FUNDTRACK = Path(sys.executable).parent / "fundtrack"


class StatementLog:
    """When each thread last sent a statement to the engine (and whether it sent one)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.last: dict[int, float] = {}
        self.lock = threading.Lock()

    def _seen(self, *_args: Any) -> None:
        with self.lock:
            self.last[threading.get_ident()] = time.monotonic()

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def quiet_since(self, ident: int | None) -> float | None:
        """Seconds since thread ``ident`` last sent a statement (None: it has sent none)."""
        with self.lock:
            seen = self.last.get(ident) if ident is not None else None
        return None if seen is None else time.monotonic() - seen


@dataclass
class Contender:
    """One session's work, run in its own thread (its own session, its own connection)."""

    name: str
    work: Callable[[], Any]
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> Contender:
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # reported to the test, which asserts on it
            self.error = exc
        finally:
            self.done.set()

    def join(self) -> Contender:
        assert self.thread is not None
        self.thread.join(PATIENCE)
        assert not self.thread.is_alive(), f"{self.name} is still running"
        return self

    @property
    def ident(self) -> int | None:
        return self.thread.ident if self.thread is not None else None


def waiting_for_locks(engine: Engine) -> int:
    """How many PostgreSQL sessions on this database wait for a lock."""
    with engine.connect() as conn:
        found = conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
        )
    return int(found or 0)


def until_contended(engine: Engine, log: StatementLog, contenders: Sequence[Contender]) -> None:
    """Return once every contender is blocked behind a lock or finished (or after PATIENCE)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        pending = [c for c in contenders if not c.done.is_set()]
        if not pending:
            return
        if engine.dialect.name == "postgresql":
            if waiting_for_locks(engine) >= len(pending):
                return
        else:
            quiet = [log.quiet_since(c.ident) for c in pending]
            if all(q is not None and q >= QUIET for q in quiet):
                return
        time.sleep(0.01)
    raise AssertionError("the contenders neither blocked nor finished")


def hold_until_contended(engine: Engine, log: StatementLog, *contenders: Contender) -> None:
    """Start ``contenders`` and wait, inside the caller's open transaction, until they are contended."""
    for c in contenders:
        c.start()
    until_contended(engine, log, contenders)


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of its own in a write transaction (SQLite: ``BEGIN IMMEDIATE``, the
    database's write lock), rolled back at the end."""
    with engine.connect().execution_options(**{WRITE: True}) as conn:
        conn.begin()
        try:
            yield conn
        finally:
            conn.rollback()


def race(engine: Engine, gate: Callable[[Connection], None], *works: tuple[str, Callable[[], Any]]) -> list[Contender]:
    """Start every work at once behind ``gate`` (a lock taken on a connection of its own),
    open the gate once every one of them waits, and return them finished."""
    with StatementLog(engine) as log, write_connection(engine) as holder:
        gate(holder)
        contenders = [Contender(name, work).start() for name, work in works]
        until_contended(engine, log, contenders)
        holder.rollback()
    return [c.join() for c in contenders]


def lock_grant_row(grant_id: int) -> Callable[[Connection], None]:
    """A gate on one grant: its row locked (PostgreSQL; on SQLite the write transaction
    of the gate's connection holds the whole database)."""

    def gate(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT id FROM grants WHERE id = :id FOR UPDATE"), {"id": grant_id})

    return gate


# --- processes ---------------------------------------------------------------------------


@dataclass
class Finished:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def fundtrack_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDTRACK_")}
    env.update({"FUNDTRACK_LANG": "en", **extra})
    return env


def run_fundtrack(url: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Finished:
    """Run one ``fundtrack`` command to its end."""
    cmd = (str(FUNDTRACK), "--database", url, *args)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env or fundtrack_env(), timeout=timeout, check=False)
    return Finished(tuple(args), done.returncode, done.stdout, done.stderr)


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(Path(os.readlink(fd)) == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def until_idle(processes: Sequence[subprocess.Popen[str]], database: Path | None) -> None:
    """Wait until every process has opened ``database`` (when given) and stopped using the
    CPU (it sleeps behind a lock), or has ended. Without /proc, wait a fixed while."""
    if not Path("/proc/self/stat").exists():
        time.sleep(3)
        return
    deadline = time.monotonic() + PATIENCE
    ticks: dict[int, tuple[int | None, float]] = {}
    while time.monotonic() < deadline:
        settled = 0
        for p in processes:
            if p.poll() is not None:
                settled += 1
                continue
            now = _cpu_ticks(p.pid)
            before, since = ticks.get(p.pid, (None, time.monotonic()))
            if now != before:
                ticks[p.pid] = (now, time.monotonic())
            elif (database is None or _has_open(p.pid, database)) and time.monotonic() - since >= 3 * QUIET:
                settled += 1
        if settled == len(processes):
            return
        time.sleep(0.02)
    raise AssertionError("the fundtrack processes neither blocked nor ended")


class Processes:
    """``fundtrack`` processes started at once, one per command."""

    def __init__(self, url: str, commands: Sequence[Sequence[str]], env: dict[str, str] | None = None) -> None:
        self.commands = [tuple(c) for c in commands]
        self.popen = [
            subprocess.Popen(
                (str(FUNDTRACK), "--database", url, *c),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env or fundtrack_env(),
            )
            for c in self.commands
        ]

    def until_waiting(self, engine: Engine, database: Path | None) -> None:
        """Until each process waits behind the lock (or has ended)."""
        if engine.dialect.name == "sqlite":
            until_idle(self.popen, database)
            return
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            pending = sum(p.poll() is None for p in self.popen)
            if pending == 0 or waiting_for_locks(engine) >= pending:
                return
            time.sleep(0.02)
        raise AssertionError("the fundtrack processes neither blocked nor ended")

    def finish(self) -> list[Finished]:
        out = []
        for p, c in zip(self.popen, self.commands, strict=True):
            stdout, stderr = p.communicate(timeout=120)
            out.append(Finished(c, p.returncode, stdout, stderr))
        return out


def process_race(
    engine: Engine,
    url: str,
    database: Path | None,
    commands: Sequence[Sequence[str]],
    gate: Callable[[Connection], None],
) -> list[Finished]:
    """Start one ``fundtrack`` process per command behind ``gate``; open it once they all wait."""
    with write_connection(engine) as holder:
        gate(holder)
        processes = Processes(url, commands)
        try:
            processes.until_waiting(engine, database)
        finally:
            holder.rollback()
    return processes.finish()

"""How the admin starts: ``fundtrack serve`` under waitress, ``admin_app.wsgi`` under gunicorn,
and the secret key generated once for every worker."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, OpenerDirector, build_opener

import pytest

from admin_app import settings
from fundtrack.roles import Role
from tests.web.conftest import ACCOUNTS, PASSWORD, csrf_token

BIN = Path(sys.executable).parent
STARTUP = 30.0  # seconds: two cores shared by several test runs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDTRACK_")}
    env.update({"FUNDTRACK_SECRET_KEY": "serve-tests", "FUNDTRACK_DATA_DIR": str(tmp_path / "data"), **extra})
    return env


def _ignoring_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background job of a script starts it


@contextmanager
def running(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    # started with Ctrl-C ignored, the way a script's background job or a parent that ignores
    # it would start it: the server must still stop on Ctrl-C
    process = subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_ignoring_ctrl_c
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def _wait_up(base: str, process: subprocess.Popen[str]) -> None:
    opener = build_opener()
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else "exited"
        try:
            with opener.open(f"{base}health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not answer within {STARTUP} s")


def _log_in(base: str, role: Role) -> OpenerDirector:
    """A cookie-keeping client logged in as ``role`` over real HTTP."""
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}login", timeout=10) as page:
        token = csrf_token(page.read().decode())
    body = urlencode({"email": ACCOUNTS[role][0], "password": PASSWORD, "csrf_token": token}).encode()
    with opener.open(f"{base}login", data=body, timeout=10) as landed:
        home = f"{base}portal/" if role is Role.FUNDER else base  # a funder's login lands on its portal
        assert landed.status == 200 and landed.url == home, landed.url
    return opener


def test_the_fundtrack_command_finds_serve_without_loading_the_web_layer_for_its_other_commands() -> None:
    probe = (
        "import sys, fundtrack.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'waitress')))"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"
    helped = subprocess.run([str(BIN / "fundtrack"), "--help"], capture_output=True, text=True, check=True)
    assert re.search(r"^\s+serve\s", helped.stdout, re.MULTILINE), helped.stdout


def test_serve_prints_its_address_serves_the_admin_in_french_and_stops_on_ctrl_c(database: str, tmp_path: Path) -> None:
    args = [str(BIN / "fundtrack"), "--database", database, "serve", "--port", "0", "--threads", "2"]
    with running(args, _env(tmp_path), tmp_path) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.fullmatch(r"Admin servi sur (http://127\.0\.0\.1:\d+/) \(Ctrl-C pour arrêter\)\n", first)
        assert found, first
        base = found.group(1)
        _wait_up(base, process)
        client = _log_in(base, Role.TREASURER)
        with client.open(f"{base}funders/", timeout=10) as page:
            text = page.read().decode()
        assert '<html lang="fr">' in text and "Centraide du Grand Montréal" in text
        assert page.headers["X-Frame-Options"] == "DENY"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Admin arrêté." in out


def test_people_logging_in_at_the_same_moment_all_get_in(database: str, tmp_path: Path) -> None:
    args = [str(BIN / "fundtrack"), "--database", database, "serve", "--port", "0", "--threads", "8"]
    with running(args, _env(tmp_path), tmp_path) as process:
        assert process.stdout is not None
        base = process.stdout.readline().split()[3]
        _wait_up(base, process)
        roles = [Role.TREASURER, Role.COORDINATOR, Role.BOARD, Role.FUNDER] * 2  # under the limit of 10 a minute
        with ThreadPoolExecutor(len(roles)) as pool:
            clients = list(pool.map(lambda role: _log_in(base, role), roles))
        for role, client in zip(roles, clients, strict=True):
            with client.open(base, timeout=10) as home:
                assert home.url == (f"{base}portal/" if role is Role.FUNDER else base)


def test_serve_on_an_empty_database_says_what_to_run_and_serves_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    done = subprocess.run(
        [str(BIN / "fundtrack"), "--database", f"sqlite:///{empty}", "serve", "--port", "0"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "fundtrack init" in done.stderr and "Admin servi" not in done.stdout


def test_gunicorn_serves_the_wsgi_module_with_several_workers_sharing_one_login(database: str, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    args = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "admin_app.wsgi:app"]
    with running(args, _env(tmp_path, FUNDTRACK_DATABASE_URL=database), tmp_path) as process:
        _wait_up(base, process)
        client = _log_in(base, Role.BOARD)
        # several requests land on both workers: each reads the session signed by the other
        for _ in range(12):
            with client.open(base, timeout=10) as home:
                assert home.url == base and home.status == 200
        with pytest.raises(HTTPError) as refused:
            client.open(f"{base}funders/new/", timeout=10)
        assert refused.value.code == 403
        refused.value.close()


def test_the_secret_key_is_generated_once_readable_by_its_owner_alone_and_shared_by_workers_starting_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNDTRACK_SECRET_KEY", raising=False)
    folder = tmp_path / "instance"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: settings.secret_key(folder), range(16)))
    assert len(keys) == 1
    (key,) = keys
    assert len(key) >= 48
    assert settings.secret_key(folder) == key
    assert stat.S_IMODE((folder / settings.SECRET_FILE).stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [settings.SECRET_FILE]  # no draft left behind
    monkeypatch.setenv("FUNDTRACK_SECRET_KEY", "from-the-environment")
    assert settings.secret_key(folder) == "from-the-environment"


def test_an_empty_secret_key_file_is_refused_rather_than_signing_sessions_with_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNDTRACK_SECRET_KEY", raising=False)
    (tmp_path / settings.SECRET_FILE).write_text("\n")
    with pytest.raises(RuntimeError, match="empty"):
        settings.secret_key(tmp_path)

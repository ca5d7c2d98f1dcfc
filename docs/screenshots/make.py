"""Write the README's pictures of the admin: the dashboard and the hiring simulator.

    .venv/bin/python docs/screenshots/make.py

Serves the Parc-Extension example (a temporary SQLite copy, one account per role) under
waitress on a free port, logs in with Debian's Chromium through Playwright, and writes
``docs/screenshots/dashboard.png`` and ``docs/screenshots/simulator.png`` (1280×800, in
French). Each PNG is then re-compressed losslessly at zlib's highest level to stay small.
"""

from __future__ import annotations

import struct
import sys
import tempfile
import threading
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from waitress.server import create_server  # noqa: E402

from admin_app import create_app  # noqa: E402
from fundtrack.db import make_engine, session_factory, unit_of_work  # noqa: E402
from fundtrack.models import Base  # noqa: E402
from fundtrack.services import interchange  # noqa: E402
from fundtrack.services.context import acting_for  # noqa: E402
from fundtrack.services.users import NewUser, create_user  # noqa: E402

HERE = Path(__file__).resolve().parent
EXAMPLE = ROOT / "examples" / "parc-extension.yaml"
CHROMIUM = "/usr/bin/chromium"
SIZE = {"width": 1280, "height": 800}
EMAIL, PASSWORD = "coordination@parc-ex.example", "captures-d-ecran"
LIMIT = 300 * 1024


def _fill(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        interchange.load_document(session, interchange.read_file(EXAMPLE))
    with unit_of_work(factory) as session:
        create_user(session, acting_for(session), NewUser(EMAIL, "Coordination", "coordinator", None), PASSWORD)
    engine.dispose()


def _recompress(path: Path) -> None:
    """Join the PNG's image data and deflate it again at level 9 (the pixels are unchanged)."""
    data = path.read_bytes()
    signature, pos, chunks, idat = data[:8], 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IDAT":
            idat += body
        else:
            chunks.append((kind, body))
    packed = zlib.compress(zlib.decompress(idat), 9)
    out = [signature]
    for kind, body in chunks:
        if kind == b"IEND":
            out.append(_chunk(b"IDAT", packed))
        out.append(_chunk(kind, body))
    path.write_bytes(b"".join(out))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/example.sqlite3"
        _fill(url)
        app = create_app({"FUNDTRACK_DATABASE_URL": url, "SECRET_KEY": "screenshots", "FUNDTRACK_DATA_DIR": tmp})
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
                page = browser.new_context(base_url=base, locale="fr-CA", viewport=SIZE).new_page()
                page.goto("/login")
                page.get_by_label("Courriel").fill(EMAIL)
                page.get_by_label("Mot de passe").fill(PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Se connecter").click()
                page.goto("/")
                page.screenshot(path=str(HERE / "dashboard.png"))
                page.goto("/simulator/?scenario=both&first_year=2026-2027&years=3")
                page.evaluate("document.getElementById('sim-years').scrollIntoView({block: 'start'})")
                page.screenshot(path=str(HERE / "simulator.png"))
                browser.close()
        finally:
            server.close()
            thread.join(timeout=10)
            app.extensions["fundtrack.engine"].dispose()
    for name in ("dashboard.png", "simulator.png"):
        path = HERE / name
        _recompress(path)
        size = path.stat().st_size
        print(f"{path.relative_to(ROOT)}: {size // 1024} KB")
        if size > LIMIT:
            sys.exit(f"{name} is over {LIMIT // 1024} KB")


if __name__ == "__main__":
    main()

"""The admin's configuration: defaults that are safe, the secret key never in the code.

The database is ``FUNDTRACK_DATABASE_URL`` (as for the CLI); the secret key comes from
``FUNDTRACK_SECRET_KEY``, else from a file generated once in the instance folder; the
folder of receipts and agreements is ``FUNDTRACK_DATA_DIR`` (default: ``data`` in the
instance folder, never inside the package).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

SECRET_FILE = "secret_key"


def defaults(instance_path: Path) -> dict[str, Any]:
    """The configuration before the caller's own values."""
    return {
        "FUNDTRACK_DATABASE_URL": os.environ.get("FUNDTRACK_DATABASE_URL"),
        "FUNDTRACK_DATA_DIR": os.environ.get("FUNDTRACK_DATA_DIR") or str(instance_path / "data"),
        # passwords: Werkzeug's scrypt; a test suite may pick a cheaper method
        "FUNDTRACK_PASSWORD_METHOD": "scrypt",
        # sessions: a cookie the page's scripts cannot read, sent on same-site navigation only,
        # Secure when the request came over HTTPS, and a working day long
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "fundtrack_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # logins: a few tries a minute from one address (several workers share Redis)
        "RATELIMIT_STORAGE_URI": os.environ.get("FUNDTRACK_RATELIMIT_STORAGE") or "memory://",
        "FUNDTRACK_LOGIN_LIMIT": "10 per minute",
        "RATELIMIT_HEADERS_ENABLED": False,
        # uploads: receipts and agreements of at most 10 MB (a little more for the form itself)
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # valid for the session's life
        "FLASK_ADMIN_SWATCH": "default",
        "FLASK_ADMIN_FLUID_LAYOUT": True,
    }


def secret_key(instance_path: Path) -> str:
    """``FUNDTRACK_SECRET_KEY``, else the key generated once into the instance folder."""
    from_env = os.environ.get("FUNDTRACK_SECRET_KEY")
    if from_env:
        return from_env
    path = instance_path / SECRET_FILE
    if path.exists():
        return _read_key(path)
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # written in full to a file of its own that only the service's user can read, then linked
    # into place: a second worker starting at the same moment reads either no file or the
    # whole key, never an empty one, and the first key written is the one every worker keeps
    draft = instance_path / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key)
        try:
            os.link(draft, path)
        except FileExistsError:  # another worker wrote it first
            return _read_key(path)
    finally:
        draft.unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it (a new key is generated) or set FUNDTRACK_SECRET_KEY")
    return key

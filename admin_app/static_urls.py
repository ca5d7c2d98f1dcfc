"""The URLs of Flask-Admin's static files, built once per app rather than at every page.

Each page links a dozen of Flask-Admin's scripts and style sheets, each through
``url_for``; a static file's URL depends only on the application's root, the file and its
version, so it is kept under those (``admin/static.html`` calls :func:`admin_static_url`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

KEPT = "fundtrack.static_urls"
URLS_KEPT = 256


def admin_static_url(admin_endpoint: str, **kwargs: Any) -> str:
    """``url_for(admin_endpoint + '.static', **kwargs)``, kept for the app."""
    key = (request.script_root, admin_endpoint, tuple(sorted(kwargs.items())))
    kept: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(KEPT, {})
    found = kept.get(key)
    if found is None:
        if len(kept) >= URLS_KEPT:
            kept.clear()
        found = kept[key] = url_for(f"{admin_endpoint}.static", **kwargs)
    return found

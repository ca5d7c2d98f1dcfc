"""What every response carries: a content security policy allowing only the app's own origin,
no framing, no sniffing, no referrer to other sites; and the session cookie marked Secure
whenever the request came over HTTPS."""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, g, request
from flask.sessions import SecureCookieSessionInterface


def nonce() -> str:
    """This request's nonce for the inline scripts the app itself writes."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    value: str = g.csp_nonce
    return value


def _headers(response: Response) -> Response:
    policy = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce()}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _no_nul() -> None:
    """A request with a NUL byte in its query or form is refused (400) before any view reads
    it: no field may hold one (PostgreSQL text cannot), and a list's search or filter would
    send it to the database as is."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def init_security(app: Flask) -> None:
    app.before_request(_no_nul)
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = nonce

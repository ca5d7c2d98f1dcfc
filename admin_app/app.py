"""The app factory: :func:`create_app` builds a fresh admin for a configuration."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, g
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_app import settings
from admin_app.auth import init_auth
from admin_app.context import current_lang, init_context
from admin_app.extensions import babel, csrf, db, limiter
from admin_app.menu import keep_menu, kept_menu, menu_key
from admin_app.pages import register_pages
from admin_app.pages.home import Home
from admin_app.security import init_security, nonce
from admin_app.static_urls import admin_static_url
from admin_app.views import register_views
from fundtrack.db import configure_sessionmaker, database_url, make_engine
from fundtrack.i18n import LOCALE_DIR, translate

HERE = Path(__file__).resolve().parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A fresh admin for ``config`` (``FUNDTRACK_DATABASE_URL``, ``SECRET_KEY``... see
    :mod:`admin_app.settings`); the database's schema must exist (``fundtrack init``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.defaults(Path(app.instance_path)))
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(Path(app.instance_path))
    url = database_url(app.config.get("FUNDTRACK_DATABASE_URL"))
    app.config["SQLALCHEMY_ENGINES"] = {"default": url}
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{LOCALE_DIR};{HERE / 'translations'}"
    app.config["BABEL_DOMAIN"] = "fundtrack"

    db.init_app(app)
    _sync_teardowns(app)
    with app.app_context():
        # fundtrack's own engine: its SQLite settings (foreign keys, busy timeout, write transactions)
        engine = make_engine(url)
        configure_sessionmaker(db.sessionmaker, engine)
        app.extensions["fundtrack.engine"] = engine
    csrf.init_app(app)
    babel.init_app(app, locale_selector=current_lang)
    limiter.init_app(app)
    init_security(app)
    init_auth(app)
    init_context(app)
    app.register_blueprint(
        Blueprint("fundtrack_static", __name__, static_folder=str(HERE / "static"), static_url_path="/fundtrack-static")
    )
    app.jinja_env.globals.update(
        t=translate,
        ui_lang=current_lang,
        menu_key=menu_key,
        kept_menu=kept_menu,
        keep_menu=keep_menu,
        admin_static_url=admin_static_url,
    )

    admin = Admin(
        app,
        name="fundtrack",
        index_view=Home(),
        translations_path=str(HERE / "translations"),
        theme=Bootstrap4Theme(base_template="fundtrack/admin_base.html", swatch="default", fluid=True),
        csp_nonce_generator=nonce,
    )
    with app.app_context():
        register_views(admin)
        register_pages(admin)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


ASYNC_SESSIONS = "_sqlalchemy_async_sessions"  # where Flask-SQLAlchemy-Lite keeps a request's async sessions


def _sync_teardowns(app: Flask) -> None:
    """Flask-SQLAlchemy-Lite closes async sessions in an ``async`` teardown, which Flask runs
    through asgiref in a new thread at the end of every request (about a millisecond each)
    although the admin opens no async session. Wrap it so it runs only when a request did."""

    def only_when_used(close: Callable[[BaseException | None], Any]) -> Callable[[BaseException | None], None]:
        def teardown(exc: BaseException | None) -> None:
            if g.get(ASYNC_SESSIONS) is not None:
                app.ensure_sync(close)(exc)

        return teardown

    app.teardown_appcontext_funcs[:] = [
        only_when_used(f) if inspect.iscoroutinefunction(f) else f for f in app.teardown_appcontext_funcs
    ]

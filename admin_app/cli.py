"""``fundtrack serve``: the admin under waitress, a production WSGI server (pure Python, on
Windows too).

The ``fundtrack`` command finds this command through the ``fundtrack.cli`` entry point
group (see ``pyproject.toml``); nothing of Flask is imported until it runs.
For several processes on PostgreSQL, serve :mod:`admin_app.wsgi` with gunicorn instead.
"""

from __future__ import annotations

import signal
from typing import Any

import click
from sqlalchemy import inspect

from fundtrack.cli.base import M_NO_SCHEMA, CliContext, handle_errors, pass_cli
from fundtrack.db import database_url
from fundtrack.errors import InputError
from fundtrack.i18n import msg, translate

M_ADDRESS = msg("cli.serve.address")
M_STOPPED = msg("cli.serve.stopped")


def addresses(server: Any) -> list[str]:
    """The URLs a waitress server listens on (one per socket; the real port when 0 was asked)."""
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return [f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/" for host, port in listening]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface)")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="Port (0: any free port)")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True, help="Requests served at once")
@pass_cli
@handle_errors
def serve(cli: CliContext, host: str, port: int, threads: int) -> None:
    """Serve the web admin on HOST:PORT with waitress (Ctrl-C stops)."""
    engine = cli.engine
    if not inspect(engine).has_table("organisations"):
        raise InputError(M_NO_SCHEMA, url=engine.url.render_as_string(hide_password=True))
    cli.close()  # the app opens its own connections

    from waitress.server import create_server

    from admin_app import create_app

    app = create_app({"FUNDTRACK_DATABASE_URL": database_url(cli.database)})
    server = create_server(app, host=host, port=port, threads=threads, ident="fundtrack")
    # Ctrl-C stops the server even when it was started with SIGINT ignored (a background
    # job of a script, or a parent that ignores it): the disposition would be inherited
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for url in addresses(server):
        click.echo(translate(M_ADDRESS, url=url), err=False)
    try:
        server.run()  # until Ctrl-C (waitress ends its loop on KeyboardInterrupt and SIGTERM's SystemExit)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.extensions["fundtrack.engine"].dispose()
    click.echo(translate(M_STOPPED))

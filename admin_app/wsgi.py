"""The admin for a WSGI server, configured from the environment::

    FUNDTRACK_DATABASE_URL=postgresql://fundtrack@127.0.0.1/fundtrack \\
    FUNDTRACK_RATELIMIT_STORAGE=redis://127.0.0.1:6379 \\
    gunicorn -w 4 -b 127.0.0.1:8000 admin_app.wsgi:app

The secret key is ``FUNDTRACK_SECRET_KEY``, else the one generated once into the instance
folder (every worker reads the same); with several workers the login rate limit needs a
shared store (``FUNDTRACK_RATELIMIT_STORAGE``). One process: ``fundtrack serve``.
"""

from __future__ import annotations

from admin_app import create_app

app = create_app()

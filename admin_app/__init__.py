"""The web interface (Flask-Admin) on top of :mod:`fundtrack`'s services.

It translates requests into service calls and errors into responses; every rule and
every number comes from fundtrack. The import contracts in ``pyproject.toml`` keep it
that way: fundtrack never imports this package or Flask.
"""

from admin_app.app import create_app

__all__ = ["create_app"]

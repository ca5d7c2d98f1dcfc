"""The web interface (Flask-Admin) on top of :mod:`fundtrack`'s services.

It translates requests into service calls and errors into responses; every rule and
every number comes from fundtrack. The import contracts in ``pyproject.toml`` keep it
that way: fundtrack never imports this package or Flask.

:func:`create_app` is imported on first use, so that the ``fundtrack`` command, which
finds ``serve`` in :mod:`admin_app.cli`, does not load Flask for its other commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from admin_app.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from admin_app.app import create_app

        return create_app
    raise AttributeError(f"module 'admin_app' has no attribute {name!r}")

"""The main menu, rendered once for each set of what it shows and kept for the app.

Flask-Admin renders the menu with a macro at every page: a loop over the views, asking each
whether it may be read and shown, its name in the page's language, its URL, whether it is
the page's own. The menu's HTML depends on nothing else: it is kept under the language,
the application's root, the page's view and the views shown (as each view answers for
this request), and rendered again when any of them differs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from flask import current_app, request
from markupsafe import Markup

from admin_app.context import current_lang

MENUS_KEPT = 512  # menus kept per app (languages × pages × what roles may see)
KEPT = "fundtrack.menus"


def _shown(items: Iterable[Any]) -> tuple[Hashable, ...]:
    """The items the menu macro shows, as it decides it: a category's readable children, a
    view that may be read and is visible."""
    out: list[Hashable] = []
    for item in items:
        if item.is_category():
            out.append((id(item), _shown(item.get_children())))
        elif item.is_accessible() and item.is_visible():
            out.append(id(item))
    return tuple(out)


def menu_key(admin_view: Any) -> Hashable:
    """What the main menu of ``admin_view``'s page depends on, for this request."""
    return (current_lang(), request.script_root, admin_view.endpoint, _shown(admin_view.admin.menu()))


def kept_menu(key: Hashable) -> Markup | None:
    found: Markup | None = current_app.extensions.get(KEPT, {}).get(key)
    return found


def keep_menu(key: Hashable, html: str) -> Markup:
    kept: dict[Hashable, Markup] = current_app.extensions.setdefault(KEPT, {})
    if len(kept) >= MENUS_KEPT:
        kept.clear()
    kept[key] = Markup(html)
    return kept[key]

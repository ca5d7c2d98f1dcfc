"""Helpers of the pages' tests: the library's own figures on the app's database, and the
figures a page shows."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from flask import Flask
from sqlalchemy.orm import Session

from fundtrack.db import session_factory
from fundtrack.money import format_money
from fundtrack.services.context import Acting, acting_for


@contextmanager
def library(app: Flask, funder: str | None = None) -> Iterator[tuple[Session, Acting]]:
    """A session on the app's database and the treasurer's acting context (or a funder's)."""
    factory = session_factory(app.extensions["fundtrack.engine"])
    with factory() as session:
        yield session, acting_for(session, funder=funder) if funder else acting_for(session)


def fr(value: Decimal) -> str:
    return format_money(value, "fr")


def figure(page: str, name: str, nth: int = 0) -> str:
    """The text of the ``nth`` cell marked ``data-figure="name"`` on the page."""
    found = re.findall(rf'data-figure="{name}">([^<]*)<', page)
    assert len(found) > nth, f"no figure {name!r} on the page"
    return html.unescape(found[nth])


def text(page: str) -> str:
    """The page's text as a reader sees it (entities decoded, tags gone, spaces kept)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def refusal_beside(page: str, field: str) -> str:
    """The refusal shown beside ``field`` (the field marked invalid and pointing at it)."""
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"[^>]*aria-describedby="{field}-error"', page), (
        f"{field} is not marked invalid"
    )
    found = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page)
    assert found, f"no refusal beside {field}"
    return html.unescape(found.group(1))

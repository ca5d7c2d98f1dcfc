"""French and English text for everything a person reads.

Each module declares its own messages next to the code that uses them with
:func:`define`; :func:`translate` renders one in the current language. French is
the default, as in the neighbourhood.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"

_catalog: dict[str, dict[Lang, str]] = {}
_current: contextvars.ContextVar[Lang] = contextvars.ContextVar("fundtrack_lang", default=DEFAULT_LANG)


def define(code: str, fr: str, en: str) -> str:
    """Register a message or label in both languages and return its code."""
    existing = _catalog.get(code)
    if existing is not None and existing != {"fr": fr, "en": en}:
        raise ValueError(f"message {code!r} defined twice with different texts")
    _catalog[code] = {"fr": fr, "en": en}
    return code


def check_lang(value: str) -> Lang:
    """Return ``value`` as a language code, or raise ValueError."""
    if value == "fr":
        return "fr"
    if value == "en":
        return "en"
    raise ValueError(f"unknown language {value!r} (fr or en)")


def current_lang() -> Lang:
    return _current.get()


def set_lang(lang: Lang) -> None:
    _current.set(lang)


@contextmanager
def using_lang(lang: Lang) -> Iterator[None]:
    """Render messages in ``lang`` for the duration of the block."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def translate(code: str, lang: Lang | None = None, /, **params: object) -> str:
    """Render message ``code`` in ``lang`` (default: the current language).

    An unknown code renders as itself, so a missing translation is visible, not fatal.
    """
    texts = _catalog.get(code)
    if texts is None:
        return code
    text = texts[lang or _current.get()]
    return text.format(**params) if params else text


def is_defined(code: str) -> bool:
    return code in _catalog

"""French and English text for everything a person reads: one catalogue, loaded once.

Every message and label has a code (``grant.unknown``, ``term.funder``); its text in
each language lives in the catalogue files ``fundtrack/locale/<lang>/LC_MESSAGES/
fundtrack.po`` (compiled to ``.mo``, which is what is read). Code marks a code with
:func:`msg`; :func:`translate` renders it late, in the reader's language, with its
parameters; :func:`lazy` is a label for a class attribute, rendered when shown. The
glossary terms of the domain (``term.*``) have one code each. French is the default,
as in the neighbourhood. The web admin (flask-babel) reads the same ``.mo`` files.
"""

from __future__ import annotations

import contextvars
import gettext
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

Lang = Literal["fr", "en"]
LANGUAGES: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"
DOMAIN = "fundtrack"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: contextvars.ContextVar[Lang] = contextvars.ContextVar("fundtrack_lang", default=DEFAULT_LANG)
_translations: dict[Lang, gettext.GNUTranslations] = {}


class MissingText(UserWarning):
    """A code has no text in the catalogue (a test suite run with warnings as errors fails on it)."""


def msg(code: str) -> str:
    """Mark ``code`` as a message code of the catalogue (the completeness test finds it)."""
    return code


def _catalogue(lang: Lang) -> gettext.GNUTranslations:
    found = _translations.get(lang)
    if found is None:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
            found = gettext.GNUTranslations(fh)
        _translations[lang] = found
    return found


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


def _missing(code: str) -> str:
    warnings.warn(f"no text for message code {code!r} in the catalogue", MissingText, stacklevel=3)
    return code


def _rendered(params: Mapping[str, object], lang: Lang) -> dict[str, object]:
    # a parameter that renders itself (a label, an amount) is rendered in the message's language
    out: dict[str, object] = {}
    for key, value in params.items():
        render = getattr(value, "render_in", None)
        out[key] = render(lang) if callable(render) else value
    return out


def translate(code: str, lang: Lang | None = None, /, **params: object) -> str:
    """Render message ``code`` in ``lang`` (default: the current language) with ``params``.

    A parameter with a ``render_in(lang)`` method (a :class:`LazyText`, an amount from
    :func:`fundtrack.money.shown`) is rendered in the same language. A code
    missing from the catalogue renders as itself with a :class:`MissingText` warning:
    visible to the reader, and fatal to the test suite.
    """
    chosen = lang or _current.get()
    catalogue = _catalogue(chosen)
    text = catalogue._catalog.get(code)  # type: ignore[attr-defined]
    if text is None:
        return _missing(code)
    if isinstance(text, str):
        return text.format(**_rendered(params, chosen)) if params else text
    return _missing(code)  # a plural message asked for without its count


def translate_plural(code: str, count: int, lang: Lang | None = None, /, **params: object) -> str:
    """Render the plural message ``code`` for ``count`` (``{count}`` is filled in too)."""
    chosen = lang or _current.get()
    catalogue = _catalogue(chosen)
    key = (code, catalogue.plural(count))  # type: ignore[attr-defined]
    text = catalogue._catalog.get(key)  # type: ignore[attr-defined]
    if text is None:
        return _missing(code)
    return str(text).format(count=count, **_rendered(params, chosen))


def has_text(code: str) -> bool:
    """Whether ``code`` has a text (singular) in every language."""
    return all(code in _catalogue(lang)._catalog for lang in LANGUAGES)  # type: ignore[attr-defined]


def texts(lang: Lang) -> Mapping[object, str]:
    """The whole catalogue of ``lang``: code (or (code, plural index)) → text."""
    catalog: Mapping[object, str] = _catalogue(lang)._catalog  # type: ignore[attr-defined]
    return catalog


class LazyText:
    """A label rendered when it is shown, in the language of that moment.

    For labels held by class attributes or module constants that are read before the
    language is known (a web view's column labels, a sheet's title).
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})

    def __str__(self) -> str:
        return translate(self.code, **self.params)

    def render_in(self, lang: Lang) -> str:
        return translate(self.code, lang, **self.params)

    def __repr__(self) -> str:
        return f"lazy({self.code!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return (self.code, self.params) == (other.code, other.params)
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.code)

    def __len__(self) -> int:
        return len(str(self))

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def format(self, *args: object, **kwargs: object) -> str:
        return str(self).format(*args, **kwargs)


def lazy(code: str, /, **params: object) -> LazyText:
    """A label for ``code`` rendered when shown (see :class:`LazyText`)."""
    return LazyText(code, params)

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
import reprlib
import unicodedata
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

# a message shows at most this many characters of any value put into it
EXCERPT_LENGTH = 160
# parameters that hold a message already rendered (``error.field_prefix``'s ``message``, ``field.raw``'s ``text``)
_RENDERED = frozenset({"message", "text", "counts"})

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


class _Excerpt(reprlib.Repr):
    """A repr that stops early: an alias-expanded list never becomes a 300 MB string."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = self.maxfrozenset = 6
        self.maxstring = self.maxother = 40
        self.maxlong = 40


_bounded_repr = _Excerpt().repr


def _visible(text: str) -> str:
    """``text`` with its control and format characters written as escapes (``\\x00``), never raw."""
    if text.isprintable():
        return text
    return "".join(
        c.encode("unicode_escape").decode() if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text
    )


def excerpt(value: object, limit: int = EXCERPT_LENGTH) -> object:
    """``value`` as a message may show it: at most ``limit`` characters, no raw control character.

    A short, plain value is returned as it is (so ``{value!r}`` still shows a float as
    a float); a list or a mapping becomes a bounded repr (an alias-expanded structure is
    never written out whole); a long text is cut with ``…``.
    """
    if isinstance(value, list | tuple | dict | set | frozenset):
        text = _bounded_repr(value)
    else:
        try:
            text = value if isinstance(value, str) else str(value)
        except ValueError:  # an integer too long to write out at all
            return f"~10^{int(getattr(value, 'bit_length', lambda: 0)() * 0.30103)}"
        if len(text) <= limit and text.isprintable():
            return value
    text = _visible(text[: limit + 1])
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _rendered(params: Mapping[str, object], lang: Lang) -> dict[str, object]:
    # a parameter that renders itself (a label, an amount) is rendered in the message's language;
    # every other one is shown as :func:`excerpt` shortens it
    out: dict[str, object] = {}
    for key, value in params.items():
        render = getattr(value, "render_in", None)
        if callable(render):
            out[key] = render(lang)
        else:
            out[key] = value if key in _RENDERED else excerpt(value)
    return out


def translate(code: str, lang: Lang | None = None, /, **params: object) -> str:
    """Render message ``code`` in ``lang`` (default: the current language) with ``params``.

    A parameter with a ``render_in(lang)`` method (a :class:`LazyText`, an amount from
    :func:`fundtrack.money.shown`) is rendered in the same language; every other one is
    shown as :func:`excerpt` shortens it. A code missing from the catalogue renders as
    itself with a :class:`MissingText` warning: visible to the reader, and fatal to the
    test suite.
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

"""Hostile forms: what the admin's pages offer, read from their HTML, and what to send back.

The fuzz tests know no view by name. They walk the app's registered Flask-Admin views,
open the pages a person could open (a list, a create form, an edit form, a row's details,
a page of the menu), read every ``<form>`` there as a browser would (its method, action
and fields: text, textarea, select and its options, checkbox, date, hidden, the rows of an
inline list such as ``instalments-0-amount``) and post hostile values back.

After every request the answer must be a message or a refusal, never an error page:

- no 5xx; a redirect only to a path of the app (never ``//elsewhere``);
- a refused post (anything but a redirect) leaves the database exactly as it was: the
  :func:`fingerprint` (each table's row count and a checksum of its rows) is unchanged;
- a 200 answer to a model view's post says why it refused (beside a field, or flashed: on
  success they redirect); a page's post may answer 200 with what it computed (a simulation);
- no page shows another tenant's data (the :data:`OTHER_TENANT` markers).

How much is tried: ``FUNDTRACK_FUZZ_PROFILE=ci`` (the default when ``CI`` is set) is
derandomized, so a failure in CI reproduces on any machine; ``dev`` (the default otherwise)
draws new examples each run; ``deep`` tries ten times as many.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from fundtrack.models import Base

# --- the other tenant: a second organisation whose names must never show ----------------

OTHER_ORGANISATION = "Carrefour témoin de Rivière-des-Prairies"
OTHER_FUNDER_NAME = "Fondation témoin Rivière-des-Prairies"
OTHER_PROJECT = "Projet témoin Rivière-des-Prairies"
OTHER_GRANT = "TEMOIN-RDP-2026"
OTHER_GRANT_TITLE = "Subvention témoin confidentielle"
OTHER_TENANT = (OTHER_ORGANISATION, OTHER_FUNDER_NAME, OTHER_PROJECT, OTHER_GRANT, OTHER_GRANT_TITLE)
OTHER_NAMES = (OTHER_FUNDER_NAME, OTHER_PROJECT, OTHER_GRANT)  # sent in forms (an answer may echo them)

OTHER_DOCUMENT: dict[str, Any] = {
    "format": "fundtrack",
    "version": 1,
    "organisation": {"name": OTHER_ORGANISATION, "fiscal_start_month": 4, "language": "fr"},
    "funders": [{"name": OTHER_FUNDER_NAME, "kind": "foundation", "fiscal_start_month": 1, "language": "fr"}],
    "projects": [{"name": OTHER_PROJECT}],
    "grants": [
        {
            "reference": OTHER_GRANT,
            "funder": OTHER_FUNDER_NAME,
            "title": OTHER_GRANT_TITLE,
            "status": "confirmed",
            "amount": "12345.67",
            "start_date": "2026-04-01",
            "end_date": "2027-03-31",
            "projects": [OTHER_PROJECT],
        }
    ],
}

# --- what a page offers ----------------------------------------------------------------

SKIPPED_ACTIONS = ("/logout",)  # posting it ends the session the rest of the fuzz needs


@dataclass(frozen=True)
class Field:
    """One control of a form, as its HTML declares it."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, date, hidden, number, password, email...
    value: str = ""
    options: tuple[str, ...] = ()
    multiple: bool = False
    checked: bool = False
    selected: tuple[str, ...] = ()

    def sent(self) -> list[str]:
        """What a browser sends for this control left as the page rendered it."""
        if self.kind in {"checkbox", "radio"}:
            return [self.value or "on"] if self.checked else []
        if self.kind == "select":
            if self.selected:
                return list(self.selected) if self.multiple else [self.selected[-1]]
            return [] if self.multiple or not self.options else [self.options[0]]
        if self.kind in {"submit", "button", "image", "reset", "file"}:
            return []
        return [self.value]


@dataclass(frozen=True)
class Form:
    """A form of a page: where it goes, how, and its fields."""

    page: str
    method: str
    action: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.fields:
            if f.kind not in {"submit", "button", "image", "reset"}:
                seen.setdefault(f.name, None)
        return list(seen)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def baseline(self) -> MultiDict[str, str]:
        """The form sent untouched."""
        out: MultiDict[str, str] = MultiDict()
        for f in self.fields:
            for v in f.sent():
                out.add(f.name, v)
        return out

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.action} (from {self.page})"


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = {"method": (a.get("method") or "get").lower(), "action": action, "fields": []}
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self._form["fields"].append(Field(a["name"], kind, a.get("value", ""), checked="checked" in a))
        elif tag == "button" and a.get("name"):
            self._form["fields"].append(Field(a["name"], "button", a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            self._select["options"].append(value)
            if self._option["selected"]:
                self._select["selected"].append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            s = self._select
            self._form["fields"].append(
                Field(
                    s["name"],
                    "select",
                    options=tuple(s["options"]),
                    multiple=s["multiple"],
                    selected=tuple(s["selected"]),
                )
            )
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            self._form["fields"].append(
                Field(self._textarea["name"], "textarea", text[1:] if text[:1] == "\n" else text)
            )
            self._textarea = None
        elif tag == "form":
            f = self._form
            self.forms.append(Form(self.page, f["method"], f["action"], tuple(f["fields"])))
            self._form = None


def forms_of(page: str, html: str) -> list[Form]:
    """Every form of the page at URL ``page`` (the logout form left out)."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return [f for f in parser.forms if urlsplit(f.action).path not in SKIPPED_ACTIONS]


def local(url: str) -> str:
    """The path and query of ``url`` (test client URLs)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- the app's views, found from the Admin object ------------------------------------------


@dataclass(frozen=True)
class ViewInfo:
    endpoint: str
    url: str
    kind: str  # "model" (a FundtrackView) or "page"
    model: Any = None


def views_of(app: Flask) -> list[ViewInfo]:
    """The registered views of the app's admin (the index left out: it is a page too)."""
    from admin_app.views.base import FundtrackView

    admin = app.extensions["admin"][0]
    out: list[ViewInfo] = []
    for view in admin._views:
        url = view.url or f"/{view.endpoint}"
        if isinstance(view, FundtrackView):
            out.append(ViewInfo(view.endpoint, url.rstrip("/"), "model", view.model))
        else:
            out.append(ViewInfo(view.endpoint, url.rstrip("/") or "", "page"))
    return out


def menu_pages(html: str, page: str = "/") -> list[str]:
    """The local links of a page's navigation bar (the admin's menu)."""

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.depth = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "nav":
                self.depth += 1
            if tag == "a" and self.depth and a.get("href"):
                href = urljoin(page, a["href"] or "")
                if urlsplit(href).netloc in {"", "localhost"} and not href.startswith("#"):
                    self.links.append(local(href))

        def handle_endtag(self, tag: str) -> None:
            if tag == "nav":
                self.depth -= 1

    parser = Links()
    parser.feed(html)
    return list(dict.fromkeys(u for u in parser.links if u and not u.startswith("javascript")))


def links_of(page: str, html: str) -> list[str]:
    """Every local link of a page (path and query), in order."""

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            href = dict(attrs).get("href") if tag == "a" else None
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                full = urljoin(page, href)
                if urlsplit(full).netloc in {"", "localhost"}:
                    self.links.append(local(full))

    parser = Links()
    parser.feed(html)
    return list(dict.fromkeys(parser.links))


# --- the database's fingerprint ----------------------------------------------------------


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows (in primary-key order)."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
                count += 1
            out[table.name] = (count, digest.hexdigest()[:16])
    return out


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


# --- the checks on every answer ------------------------------------------------------------

REFUSALS = {200, 400, 401, 403, 404, 405, 409, 413, 422, 429}
REDIRECTS = {301, 302, 303}
REFUSAL_MARKERS = ("invalid-feedback", "alert-danger", "alert-error", "is-invalid", "help-block")


@dataclass
class Outcome:
    """What one request did: its answer and whether the database moved."""

    label: str
    sent: list[tuple[str, str]]
    status: int
    moved: list[str] = field(default_factory=list)

    def describe(self) -> str:
        shown = [(k, v if len(v) < 80 else f"{v[:40]!r}...({len(v)} chars)") for k, v in self.sent]
        return f"{self.label}: {self.status}, tables changed {self.moved}, sent {shown}"


def check_answer(
    response: TestResponse,
    outcome: Outcome,
    *,
    posted: bool,
    secrets: Sequence[str] = OTHER_TENANT,
    explain: bool = True,
) -> None:
    """The rules every answer follows (see the module's docstring)."""
    text = html.unescape(response.get_data(as_text=True)) if response.mimetype.startswith("text/") else ""
    assert response.status_code < 500, outcome.describe()
    assert response.status_code in REFUSALS | REDIRECTS | {201, 204}, outcome.describe()
    echoed = [v for _, v in outcome.sent]
    for marker in secrets:
        if any(marker in v for v in echoed):
            continue  # what was typed may be shown back beside its refusal
        assert marker not in text, f"another tenant's {marker!r} shown: {outcome.describe()}"
    if response.status_code in REDIRECTS:
        target = response.headers.get("Location", "")
        parts = urlsplit(target)
        assert parts.netloc in {"", "localhost"} and not target.startswith("//"), (
            f"redirect away from the app to {target!r}: {outcome.describe()}"
        )
        return
    if not posted:
        assert not outcome.moved, f"a read wrote: {outcome.describe()}"
        return
    assert not outcome.moved, f"a refused post wrote: {outcome.describe()}"
    if explain and response.status_code == 200 and response.mimetype == "text/html":
        assert any(m in text for m in REFUSAL_MARKERS), f"refused without saying why: {outcome.describe()}"


def send(
    app: Flask,
    client: Any,
    form: Form,
    data: Sequence[tuple[str, str]],
    *,
    csrf: bool = True,
    secrets: Sequence[str] = OTHER_TENANT,
    explain: bool = True,
) -> Outcome:
    """Send ``data`` as ``form`` would (with the session's CSRF token unless told not to),
    and check the answer. A redirect is then followed once, and checked too."""
    engine: Engine = app.extensions["fundtrack.engine"]
    payload: MultiDict[str, str] = MultiDict(list(data))
    if csrf and form.method == "post" and "csrf_token" not in payload:
        rendered = [f.value for f in form.fields if f.name == "csrf_token" and f.value]
        token = rendered[0] if rendered else current_token(client, form.page)
        if token:
            payload.add("csrf_token", token)
    before = fingerprint(engine)
    if form.method == "post":
        response = client.post(local(form.action), data=payload)
    else:
        response = client.get(urlsplit(form.action).path, query_string=payload)
    outcome = Outcome(form.label, list(payload.items(multi=True)), response.status_code)
    outcome.moved = changed(before, fingerprint(engine))
    check_answer(response, outcome, posted=form.method == "post", secrets=secrets, explain=explain)
    if response.status_code in REDIRECTS:
        follow = client.get(local(urljoin(form.action, response.headers["Location"])))
        check_answer(follow, Outcome(f"after {form.label}", [], follow.status_code), posted=False, secrets=secrets)
    return outcome


def current_token(client: Any, page: str) -> str | None:
    """The session's CSRF token, read from ``page`` as the client's session renders it."""
    for form in forms_of(page, client.get(page).get_data(as_text=True)):
        for f in form.fields:
            if f.name == "csrf_token" and f.value:
                return f.value
    return None


# --- hostile values ---------------------------------------------------------------------

LONG = ["x" * 256, "é" * 5_000, "👩‍👩‍👧" * 2_000, "9" * 1_000, "a" * 200_000]
UNICODE = [
    "e\u0301\u0301\u0301",  # combining marks
    "\u202etxet lanigiro\u202c",  # right-to-left override
    "שלום עולם",
    "مرحبا ١٢٣",
    "👩🏽‍💻🇨🇦",
    "\ufeffBOM",
    "Ｆｕｌｌｗｉｄｔｈ１２３",
    "\u00a0\u2009\u202f",
    "\U0010ffff",
]
CONTROL = ["\x00", "a\x00b", "\x01\x02\x1b[31m", "\r\n\r\n", "\t", "\x7f", "\u2028\u2029", "\x0b\x0c"]
FORMULAS = ['=HYPERLINK("http://x.example","clic")', "+1", "-1+1", "@SUM(A1:A9)", "=1+1", "\t=cmd|' /C calc'!A0"]
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "%s%n",
    "' OR 1=1 --",
    "../../etc",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "10000-01-01",
    "-2026-04-01",
    "2026-4-1",
    "31/12/2026",
    "2026-04-01T00:00:00",
    "2026-04-01\x00",
    "٢٠٢٦-٠٤-٠١",
]
AMOUNTS = [
    "1000000000000000",
    "1000000000000000.00",
    "99999999999999999999999999",
    "1e26",
    "1E3",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "-1",
    "-0,01",
    "0,001",
    "1,234.567",
    "1 234,567",
    "1.234,56",
    "1,234",
    "1.2.3",
    "١٢٣",
    "１２３",
    "$",
    "12 $ 34",
    "9223372036854775808",
    "-9223372036854775809",
    "0x10",
    "1_000",
]
NUMBERS = ["0", "-1", "13", "999999999999999999999", "1.5", "NaN", "", " "]
CLASSES: dict[str, list[str]] = {
    "long": LONG,
    "unicode": UNICODE,
    "control": CONTROL,
    "formula": FORMULAS,
    "markup": MARKUP,
    "date": DATES,
    "amount": AMOUNTS,
}

HOSTILE_WORDS = [v for values in CLASSES.values() for v in values if len(v) < 1_000]


def hostile_text() -> st.SearchStrategy[str]:
    """Any text a person (or a script) might type: the curated cases, generated unicode
    (control characters included, surrogates excepted), and long runs."""
    return st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
        st.builds(lambda s, n: s * n, st.sampled_from(["x", "é", "👍", "\u0301", "9", " "]), st.integers(64, 20_000)),
        st.builds(
            lambda a, b: f"{a}{b}",
            st.sampled_from(["", "-", "+", "=", "@"]),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
        ),
        st.integers(-(10**30), 10**30).map(str),
        st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    )


def value_for(f: Field, others: Sequence[str]) -> st.SearchStrategy[str]:
    """A hostile value for one control: its own values, another tenant's, or any text."""
    own = list(f.options) or [f.value]
    choices: list[st.SearchStrategy[str]] = [hostile_text()]
    if others and f.kind in {"select", "hidden"}:  # free text naming them would create them, rightly
        choices.append(st.sampled_from(list(others)))
    if own and any(own):
        choices.append(st.sampled_from(own))
    if f.kind == "date":
        choices.append(st.sampled_from(DATES))
    if f.kind == "number":
        choices.append(st.sampled_from(NUMBERS))
    if f.kind in {"text", "textarea"}:
        choices.append(st.sampled_from(AMOUNTS))
    return st.one_of(*choices)


def _extra_names(form: Form) -> list[str]:
    """Names a browser would not send: rows beyond the inline lists, unknown fields."""
    extra = ["unknown_field", "id", "organisation_id", "revision", "_continue_editing"]
    for name in form.names:
        if "-0-" in name:
            head, tail = name.split("-0-", 1)
            extra += [f"{head}-999999-{tail}", f"{head}--1-{tail}", f"{head}-x-{tail}", f"{head}-{10**20}-{tail}"]
    return list(dict.fromkeys(extra))


@st.composite
def hostile_post(
    draw: st.DrawFn, form: Form, others: Sequence[str] = (), base: MultiDict[str, str] | None = None
) -> list[tuple[str, str]]:
    """A hostile version of ``form``: each field kept, changed, left out or sent twice, and
    perhaps fields the form does not have (the CSRF token is added by :func:`send`)."""
    start: MultiDict[str, str] = base if base is not None else form.baseline()
    names = [n for n in form.names if n != "csrf_token"]
    touched = draw(st.sets(st.sampled_from(names), max_size=len(names))) if names else set()
    out: list[tuple[str, str]] = []
    for name in names:
        if name not in touched:
            out += [(name, v) for v in start.getlist(name)]
            continue
        how = draw(st.sampled_from(["change", "change", "change", "missing", "twice"]))
        if how == "missing":
            continue
        value = draw(value_for(form.field(name), others))
        out.append((name, value))
        if how == "twice":
            out.append((name, draw(value_for(form.field(name), others))))
    if draw(st.integers(0, 4)) == 0:
        extra = _extra_names(form)
        for name in draw(st.lists(st.sampled_from(extra), min_size=1, max_size=3, unique=True)):
            out.append((name, draw(hostile_text())))
    return out


def hand_cases(
    form: Form, others: Sequence[str], base: MultiDict[str, str] | None = None
) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """The explicit cases, one class of hostility at a time: every text-like field of the
    form given the class's values in turn (the others as the form had them); every field
    left out; every field sent twice; the choices set to another tenant's names."""
    start: MultiDict[str, str] = base if base is not None else form.baseline()
    names = [n for n in form.names if n != "csrf_token"]
    typed = [
        n
        for n in names
        if form.field(n).kind in {"text", "textarea", "date", "number", "email", "password", "hidden", "search"}
    ]
    chosen = [n for n in names if form.field(n).kind in {"select", "hidden"}]

    def with_(changes: dict[str, str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name in names:
            if name in changes:
                out.append((name, changes[name]))
            else:
                out += [(name, v) for v in start.getlist(name)]
        return out

    for klass, values in CLASSES.items():
        for i, value in enumerate(values):
            yield f"{klass}[{i}]", with_({n: value for n in typed})
    yield "missing", []
    yield "twice", [(n, v) for n in names for v in (start.getlist(n) or [""]) * 2]
    for other in others:
        yield f"other tenant {other}", with_({n: other for n in chosen})


def merge_baseline(create: Form, edit: Form | None) -> MultiDict[str, str]:
    """A create form filled with the values an edit form shows (a row that would pass the
    form's own checks), so the fuzz reaches the services' rules rather than stopping at
    "this field is required"."""
    out = create.baseline()
    if edit is None:
        return out
    prefilled = edit.baseline()
    for name in create.names:
        if name in {"csrf_token", "revision"}:
            continue
        if name in prefilled:
            out.setlist(name, prefilled.getlist(name))
    for name in prefilled:
        if name not in out and "-" in name and name.split("-")[0] in {n.split("-")[0] for n in create.names}:
            out.setlist(name, prefilled.getlist(name))
    return out


# --- how much to try -------------------------------------------------------------------------


def profile() -> str:
    """``ci`` (derandomized: a failure reproduces), ``dev`` (random) or ``deep`` (longer)."""
    chosen = os.environ.get("FUNDTRACK_FUZZ_PROFILE")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI") else "dev"


def fuzz_settings(examples: int) -> settings:
    scale = {"ci": 1, "dev": 1, "deep": 10}.get(profile(), 1)
    return settings(
        max_examples=examples * scale,
        deadline=None,
        derandomize=profile() == "ci",
        database=None if profile() == "ci" else settings.default.database,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
    )


def unique(items: Iterable[Form]) -> list[Form]:
    seen: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for f in items:
        seen.setdefault((f.method, urlsplit(f.action).path, tuple(f.names)), f)
    return list(seen.values())

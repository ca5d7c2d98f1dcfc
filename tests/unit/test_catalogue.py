"""The catalogue: every code the code uses has a text in French and in English, with
the same placeholders, and the compiled files are those of the ``.po`` sources."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from fundtrack.calc.package import RULES
from fundtrack.i18n import LANGUAGES, LazyText, lazy, texts, translate, translate_plural, using_lang
from fundtrack.i18n_tools import compiled, mo_path
from fundtrack.models import FunderKind, GrantStatus, VersionKind
from fundtrack.models.expenses import PaymentMethod
from fundtrack.models.ledger import DesiredChange
from fundtrack.models.staffing import ChangeKind, PositionStatus
from fundtrack.rates import PARAMETERS
from fundtrack.roles import Action, Role
from fundtrack.services.interchange import sections

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("fundtrack", "admin_app") for p in (ROOT / d).rglob("*.py")]
TEMPLATES = sorted((ROOT / "admin_app" / "templates").rglob("*.html"))
CALLS = {"msg", "translate", "translate_plural", "lazy", "t"}

# codes built from a value at run time: prefix → the values it takes
FAMILIES: dict[str, list[str]] = {
    "funder_kind": [m.value for m in FunderKind],
    "grant_status": [m.value for m in GrantStatus],
    "version_kind": [m.value for m in VersionKind],
    "payment_method": [m.value for m in PaymentMethod],
    "desired_change": [m.value for m in DesiredChange],
    "position_status": [m.value for m in PositionStatus],
    "change_kind": [m.value for m in ChangeKind],
    "role": [m.value for m in Role],
    "action": [m.value for m in Action],
    "payroll.param": list(PARAMETERS),
    "package.rule": list(RULES),
    "package.matching_basis": ["grant", "project"],
    "report.instalment": ["due", "late", "received"],
    "report.due": ["due", "late", "submitted"],
    "report.name": [],  # checked by the report tests, which write every name
    "section": [section.key for section in sections()],
    "admin.lang": ["fr", "en"],
}


def _codes_used() -> Iterator[tuple[str, str, int]]:
    """(code, file, line) of every literal code passed to a catalogue function."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            first = node.args[0]
            if name in CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value, str(path.relative_to(ROOT)), node.lineno


def _families_used() -> Iterator[tuple[str, str, int]]:
    """(prefix, file, line) of every code built by an f-string such as ``f"grant_status.{s}"``."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if (
                    head.endswith(".")
                    and len(node.values) == 2
                    and head[:-1].replace(".", "").replace("_", "").isalpha()
                ):
                    yield head[:-1], str(path.relative_to(ROOT)), node.lineno


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_code_the_code_uses_has_a_text_in_both_languages() -> None:
    missing = [
        f"{where}:{line} {code}"
        for code, where, line in _codes_used()
        if "." in code and not all(code in texts(lang) or (code, 0) in texts(lang) for lang in LANGUAGES)
    ]
    assert not missing, "codes without a text:\n" + "\n".join(missing)


def test_every_code_built_at_run_time_belongs_to_a_known_family_whose_members_all_have_texts() -> None:
    unknown = [f"{where}:{line} {prefix}" for prefix, where, line in _families_used() if prefix not in FAMILIES]
    assert not unknown, "codes built from an unlisted prefix:\n" + "\n".join(unknown)
    missing = [
        f"{prefix}.{value}"
        for prefix, values in FAMILIES.items()
        for value in values
        for lang in LANGUAGES
        if f"{prefix}.{value}" not in texts(lang) and (f"{prefix}.{value}", 0) not in texts(lang)
    ]
    assert not missing


def test_french_and_english_have_the_same_codes_and_the_same_placeholders() -> None:
    fr, en = texts("fr"), texts("en")
    assert set(fr) == set(en)
    differ = [
        f"{code}: {sorted(_placeholders(fr[code]))} ≠ {sorted(_placeholders(en[code]))}"
        for code in fr
        if code != "" and _placeholders(fr[code]) != _placeholders(en[code])
    ]
    assert not differ, "\n".join(differ)


def test_the_compiled_catalogues_are_those_of_the_po_files() -> None:
    for lang in LANGUAGES:
        assert mo_path(lang).read_bytes() == compiled(lang), f"run 'make catalogue' ({lang})"


def test_each_glossary_term_has_one_code_and_grant_is_entente_in_french() -> None:
    fr = {code: text for code, text in texts("fr").items() if isinstance(code, str)}
    terms = {code: text for code, text in fr.items() if code.startswith("term.")}
    for code, text in terms.items():
        others = [c for c, t in fr.items() if t == text and c != code and not c.startswith(tuple(FAMILIES))]
        assert not others, f"{code} ({text!r}) is also {others}"
    assert translate("term.grant", "fr") == "Entente"
    assert not [c for c, t in fr.items() if "subvention" in t.lower()], "the glossary says entente"


def test_plural_forms_follow_each_language() -> None:
    assert translate_plural("error.several", 1, "fr") == "1 erreur :"
    assert translate_plural("error.several", 0, "fr") == "0 erreur :"
    assert translate_plural("error.several", 2, "fr") == "2 erreurs :"
    assert translate_plural("error.several", 1, "en") == "1 error:"
    assert translate_plural("error.several", 0, "en") == "0 errors:"


def test_a_lazy_label_is_rendered_in_the_language_of_the_moment_it_is_shown() -> None:
    label: LazyText = lazy("term.funder")
    with using_lang("fr"):
        assert str(label) == "Bailleur de fonds"
    with using_lang("en"):
        assert str(label) == "Funder"


def test_an_unknown_code_is_visible_and_fails_the_test_suite() -> None:
    with pytest.warns(UserWarning, match="no text"):
        assert translate("nowhere.to_be_found") == "nowhere.to_be_found"


def test_every_text_of_the_catalogue_is_used_by_the_code() -> None:
    used = {code for code, _, _ in _codes_used()}
    families = tuple(f"{prefix}." for prefix in FAMILIES)
    source = "\n".join(p.read_text(encoding="utf-8") for p in [*SOURCES, *TEMPLATES])
    unused = [
        code
        for code in texts("fr")
        if isinstance(code, str)
        and code
        and code not in used
        and not code.startswith(families)
        and f'"{code}"' not in source
        and f"'{code}'" not in source
    ]
    assert not unused, "texts no code uses:\n" + "\n".join(sorted(unused))


def test_every_text_a_template_asks_for_is_in_the_catalogue() -> None:
    known = set(texts("fr"))
    asked = {
        (code, path.name)
        for path in TEMPLATES
        for code in re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8"))
    }
    assert asked, "the templates ask for texts"
    missing = sorted(f"{code} ({name})" for code, name in asked if code not in known and not code.endswith("."))
    assert not missing, "texts the templates ask for and the catalogue lacks:\n" + "\n".join(missing)

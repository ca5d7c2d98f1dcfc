"""A catalogue of bad input through the ``fundtrack`` command, on SQLite and PostgreSQL.

Every case — a file (JSON, YAML, CSV), a CSV cell, an option, a path — must end the
same way: exit status 1, a message on stderr that names the field and the rule in the
chosen language, no traceback, and not one row changed in any table. A property test
then mutates the example file at random (a value's type, a field deleted or given twice,
control characters, huge numbers, deep nesting...) and asks the same of every result:
it loads, or it is refused that way.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundtrack.limits import MAX_FILE_BYTES, MAX_RECORDS

from .cli_support import (
    EXAMPLE,
    EXPENSES,
    as_yaml,
    document,
    empty_db,
    loaded_db,
    raw_amount,
    refused,
    refused_unchanged,
    row_counts,
    run,
    sqlite_schema,
    wipe,
    write,
)

__all__ = ["empty_db", "loaded_db"]  # fixtures

CSV_HEADER, CSV_ROW = EXPENSES.read_text(encoding="utf-8").splitlines()[:2]
COLUMNS = CSV_HEADER.split(";")


def csv_with(**cells: str) -> str:
    """The header and the example's first expense, with some cells changed (by header)."""
    row = CSV_ROW.split(";")
    for header, value in cells.items():
        row[COLUMNS.index(header.replace("_", " "))] = value
    return f"{CSV_HEADER}\n{';'.join(row)}\n"


def yaml_with(change: Callable[[dict[str, Any]], None]) -> str:
    doc = document()
    change(doc)
    return as_yaml(doc)


def json_with(change: Callable[[dict[str, Any]], None]) -> str:
    doc = document()
    change(doc)
    return json.dumps(doc, ensure_ascii=False)


def grant(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["grants"][0].update(values)


def funder(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["funders"][0].update(values)


@dataclass(frozen=True)
class Bad:
    """One bad input: the command (``{file}`` is the file written from ``content``) and what stderr must say."""

    what: str
    args: tuple[str, ...]
    expected: tuple[str, ...]
    lang: str = "fr"
    content: str | bytes | None = None
    name: str = "input.yaml"
    extra: dict[str, str] = field(default_factory=dict)


def load(what: str, content: str | bytes, *expected: str, name: str = "input.yaml", lang: str = "fr") -> Bad:
    return Bad(what, ("load", "{file}"), expected, lang, content, name)


def expenses(what: str, content: str | bytes, *expected: str, lang: str = "fr") -> Bad:
    return Bad(what, ("expenses", "import", "{file}"), expected, lang, content, "expenses.csv")


def option(what: str, args: tuple[str, ...], *expected: str, lang: str = "fr") -> Bad:
    return Bad(what, args, expected, lang)


BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    ]
)
DEEP_JSON = '{"format": "fundtrack", "x": ' + "[" * 3000 + "]" * 3000 + "}"
MANY = json.dumps({**document(), "projects": [{"name": f"P{i}"} for i in range(MAX_RECORDS)]})

CASES: list[Bad] = [
    # --- interchange files: their form ---
    load("yaml alias bomb", BOMB, "les alias YAML", "1000"),
    load("recursive yaml alias", "a: &a [1, *a]\n", "se contient lui-même"),
    load("json nested 3000 levels", DEEP_JSON, "imbrication de plus de 20 niveaux", name="deep.json"),
    load("yaml nested 3000 levels", "a: " + "[" * 3000 + "]" * 3000, "imbrication de plus de 20 niveaux"),
    load("json key twice", '{"format": "fundtrack", "format": "x"}', "clé « format » donnée deux fois", name="k.json"),
    load(
        "json key twice in a grant",
        json_with(grant()).replace('"status": "confirmed"', '"status": "confirmed", "status": "requested"'),
        "clé « status » donnée deux fois dans « VDM-2026 »",
        name="k.json",
    ),
    load("yaml key twice", "format: fundtrack\nversion: 1\nversion: 2\n", "clé « version » donnée deux fois (ligne 3)"),
    load(
        "yaml key twice, english",
        "format: fundtrack\nformat: x\n",
        "key 'format' given twice (line 2)",
        lang="en",
    ),
    load("yaml in windows-1252", "organisation:\n  name: Café\n".encode("cp1252"), "n'est pas en UTF-8 (ligne 2)"),
    load("json in utf-16 without bom", '{"a": 1}'.encode("utf-16-le"), "fichier JSON invalide", name="u.json"),
    load("invalid json", '{"format": "fundtrack",', "fichier JSON invalide", name="bad.json"),
    load("invalid yaml", "format: fundtrack\norganisation: [name\n", "fichier YAML invalide", "ligne"),
    load("too many records", MANY, f"{MAX_RECORDS + 2} enregistrements", name="many.json"),
    load("a list, not an object", "[1, 2]\n", "le fichier doit contenir un objet"),
    load("organisation as a list", yaml_with(lambda d: d.update(organisation=["T"])), "organisation : objet attendu"),
    load("a grant that is a number", yaml_with(lambda d: d.update(grants=[5])), "grants[0] : objet attendu"),
    load("grants not a list", yaml_with(lambda d: d.update(grants={"a": 1})), "grants : liste d'enregistrements"),
    load("projects of a grant not a list", yaml_with(grant(projects="Grands")), "grants[0].projects : liste attendue"),
    load(
        "unknown field with escape", yaml_with(grant(**{"colour\x1b[31m": "red"})), "colour\\x1b[31m", "champ inconnu"
    ),
    # --- interchange files: amounts ---
    load("amount 10^20", raw_amount(str(10**20)), "grants[0].amount", "999 999 999 999,99 $"),
    load("amount -10^20", raw_amount(str(-(10**20))), "grants[0].amount", "999 999 999 999,99 $"),
    load("amount 10^20 in english", raw_amount(str(10**20)), "grants[0].amount", "$999,999,999,999.99", lang="en"),
    load("amount of 5000 digits", raw_amount("9" * 5000, "json"), "grants[0].amount", "montant maximal", name="d.json"),
    load("amount 1e4", raw_amount("1e4"), "grants[0].amount", "sans exposant"),
    load("amount 1.0e+26", raw_amount("1.0e+26"), "grants[0].amount", "sans exposant"),
    load("amount 1e4 in json", raw_amount("1e4", "json"), "grants[0].amount", "sans exposant", name="e.json"),
    load("amount '1e26'", yaml_with(grant(amount="1e26")), "grants[0].amount", "without an exponent", lang="en"),
    load("amount NaN in json", raw_amount("NaN", "json"), "grants[0].amount", "n'est pas un montant", name="n.json"),
    load("amount .inf", raw_amount(".inf"), "grants[0].amount", "n'est pas un montant"),
    load("amount true", raw_amount("true"), "grants[0].amount : vrai/faux (true) n'est pas un montant"),
    load("amount false, english", raw_amount("false"), "grants[0].amount: true/false (false) is not", lang="en"),
    load("amount a list", raw_amount("[1, 2]"), "grants[0].amount : une liste n'est pas un montant"),
    load("amount an object", raw_amount("{a: 1}"), "grants[0].amount : un objet n'est pas un montant"),
    load("amount three decimals", raw_amount("'40000.001'"), "grants[0].amount", "plus de deux décimales"),
    load("amount empty", raw_amount("''"), "grants[0].amount", "montant vide"),
    load(
        "instalment 10^20",
        yaml_with(grant(instalments=[{"expected_date": "2026-02-15", "amount": str(10**20)}])),
        "grants[0].instalments[0].amount",
        "montant maximal",
    ),
    # --- interchange files: rates, whole numbers ---
    load("fee cap in exponent notation", yaml_with(funder(fee_cap="1e-1")), "funders[0].fee_cap", "sans exposant"),
    load(
        "fee cap with 7 decimals", yaml_with(funder(fee_cap="0.1234567")), "funders[0].fee_cap", "au plus 6 décimales"
    ),
    load("fee cap true", yaml_with(funder(fee_cap=True)), "funders[0].fee_cap", "n'est pas un taux"),
    load(
        "fiscal month 10^12",
        yaml_with(funder(fiscal_start_month=10**12)),
        "funders[0].fiscal_start_month",
        "trop grand",
    ),
    load(
        "fiscal month of 5000 digits",
        yaml_with(funder(fiscal_start_month="__M__")).replace("__M__", "7" * 5000),
        "funders[0].fiscal_start_month",
        "nombre entier attendu",
    ),
    # --- interchange files: text ---
    load(
        "NUL in a name",
        json_with(funder(name="Ville\x00")),
        "funders[0].name : caractère de contrôle U+0000",
        name="t.json",
    ),
    load(
        "escape in a title",
        json_with(grant(title="T\x1b[2J")),
        "grants[0].title : caractère de contrôle U+001B",
        name="t.json",
    ),
    load(
        "bell in notes",
        json_with(grant(notes="ding\x07")),
        "grants[0].notes : caractère de contrôle U+0007",
        name="t.json",
    ),
    load(
        "DEL in a name",
        json_with(funder(name="Ville\x7f")),
        "funders[0].name : caractère de contrôle U+007F",
        name="t.json",
    ),
    load(
        "lone surrogate",
        '{"format": "fundtrack", "version": 1, "organisation": {"name": "\\ud800"}}',
        "organisation.name : caractère de contrôle U+D800",
        name="s.json",
    ),
    load(
        "line break in a reference",
        json_with(grant(reference="VDM\n2026")),
        "grants[0].reference",
        "saut de ligne",
        name="t.json",
    ),
    load(
        "tab in a funder name",
        json_with(lambda d: (d["funders"][0].update(name="Ville\tde"), d["grants"][0].update(funder="Ville\tde"))),
        "funders[0].name",
        "saut de ligne ou tabulation U+0009",
        name="t.json",
    ),
    load(
        "name of 201 characters",
        yaml_with(lambda d: (d["funders"][0].update(name="N" * 201), d["grants"][0].update(funder="N" * 201))),
        "funders[0].name",
        "201 caractères, plus que les 200 permis (funders.name)",
    ),
    load(
        "reference of 101 characters",
        yaml_with(grant(reference="R" * 101)),
        "grants[0].reference",
        "(grants.reference)",
    ),
    load(
        "title of 301 characters, english",
        yaml_with(grant(title="T" * 301)),
        "grants[0].title",
        "301 characters, more than the 300 allowed (grants.title)",
        lang="en",
    ),
    load("notes of 10 001 characters", yaml_with(grant(notes="n" * 10_001)), "grants[0].notes", "10001 caractères"),
    load(
        "a kind that is a long list",
        yaml_with(funder(kind=["abcdefghij"] * 2000)),
        "funders[0].kind",
        "n'est pas permis",
    ),
    # --- interchange files: dates ---
    load(
        "grant from year 1",
        yaml_with(grant(start_date="0001-01-01")),
        "grants[0].start_date",
        "du 1900-01-01 au 2199-12-31",
    ),
    load(
        "grant to year 9999",
        yaml_with(grant(end_date="9999-12-31", instalments=[])),
        "grants[0].end_date",
        "2199-12-31",
    ),
    load(
        "instalment in 1899",
        yaml_with(grant(instalments=[{"expected_date": "1899-12-31", "amount": "1.00"}])),
        "grants[0].instalments[0].expected_date",
        "1900-01-01",
    ),
    load(
        "february 30th",
        yaml_with(grant(start_date="2026-02-30")),
        "grants[0].start_date",
        "date « 2026-02-30 » invalide",
    ),
    load("a date as a number", yaml_with(grant(start_date=20260101)), "grants[0].start_date", "invalide"),
    load(
        "a timestamp, not a date",
        raw_amount("'40000.00'").replace("start_date: '2026-01-01'", "start_date: !!timestamp 2026-01-01 10:00:00"),
        "grants[0].start_date",
        "invalide",
    ),
    # --- interchange files: paths ---
    Bad("file not found", ("load", "{missing}"), ("lecture impossible", "le fichier n'existe pas")),
    Bad("a folder given as the file", ("load", "{folder}"), ("FILE :", "est un dossier, pas un fichier")),
    # --- expense CSV files and cells ---
    expenses(
        "csv in no known encoding",
        b"Date;Fournisseur\n01/04/2026;\x81\x8d\x8f\n",
        "ni en UTF-8 ni en Windows-1252",
        "CSV UTF-8",
    ),
    expenses(
        "csv cell over the limit", csv_with() + '01/05/2026;"jamais fermé' + "x" * 140_000 + "\n", "131072", "guillemet"
    ),
    expenses(
        "NUL in a csv cell", csv_with(Fournisseur="Bu\x00reau"), "ligne 2, colonne 2 : caractère de contrôle U+0000"
    ),
    expenses("escape in a csv cell", csv_with(Description="Loyer\x1b[31m"), "ligne 2, colonne 3", "U+001B"),
    expenses("csv amount 1e4", csv_with(Montant_avant_taxes="1e4"), "ligne 2.pre_tax", "sans exposant"),
    expenses("csv amount 10^20", csv_with(Montant_avant_taxes=str(10**20)), "ligne 2.pre_tax", "999 999 999 999,99 $"),
    expenses(
        "csv amount not a number", csv_with(Montant_avant_taxes="beaucoup"), "ligne 2.pre_tax", "n'est pas un montant"
    ),
    expenses("csv amount ambiguous", csv_with(Montant_avant_taxes="1,234"), "ligne 2.pre_tax", "ambigu"),
    expenses("csv tax 1e2, english", csv_with(TPS="1e2"), "row 2.gst", "without an exponent", lang="en"),
    expenses("csv date in year 1", csv_with(Date="01/01/0001"), "ligne 2.date", "1900-01-01"),
    expenses("csv date february 30th", csv_with(Date="30/02/2026"), "ligne 2.date"),
    expenses("csv payee of 201 characters", csv_with(Fournisseur="P" * 201), "ligne 2.payee", "(expenses.payee)"),
    expenses(
        "csv description on two lines",
        csv_with(Description='"Loyer\net services"'),
        "ligne 2.description",
        "saut de ligne",
    ),
    expenses("csv unknown project", csv_with(Projet="Nulle part"), "ligne 2", "Nulle part"),
    Bad("csv not found", ("expenses", "import", "{missing}"), ("FILE : fichier introuvable",)),
    # --- options ---
    option("receive 1e4", ("receive", "VDM-2026", "--amount", "1e4"), "--amount", "sans exposant"),
    option("receive 10^20", ("receive", "VDM-2026", "--amount", str(10**20)), "--amount", "montant maximal"),
    option("receive not a number", ("receive", "VDM-2026", "--amount", "vingt"), "--amount", "n'est pas un montant"),
    option("receive three decimals", ("receive", "VDM-2026", "--amount", "1,005"), "--amount", "ambigu"),
    option(
        "receive on year 1", ("receive", "VDM-2026", "--amount", "1,00", "--date", "0001-01-01"), "--date", "1900-01-01"
    ),
    option(
        "receive on 13th month",
        ("receive", "VDM-2026", "--amount", "1,00", "--date", "2026-13-01"),
        "--date",
        "invalide",
    ),
    option("receivables in 9999", ("receivables", "--as-of", "9999-12-31"), "--as-of", "2199-12-31"),
    option("ledger of 9999-00", ("ledger", "--fiscal-year", "9999-00"), "9999-00", "hors de la plage permise"),
    option("ledger of 0000-01", ("ledger", "--fiscal-year", "0000-01"), "0000-01", "hors de la plage permise"),
    option("variance from year 1", ("variance", "--period", "0001-01-01:0001-12-31"), "--period", "1900-01-01"),
    option(
        "simulate a hire paid 1e4",
        ("simulate", "--add", "Agent", "--rate", "1e4", "--hours", "32", "--start", "2027-01-05"),
        "--rate",
        "sans exposant",
    ),
    option(
        "simulate a hire of 'abc' hours",
        ("simulate", "--add", "Agent", "--rate", "26", "--hours", "abc", "--start", "2027-01-05"),
        "--hours : heures par semaine invalides (abc)",
    ),
    option(
        "simulate a hire of NaN hours",
        ("simulate", "--add", "Agent", "--rate", "26", "--hours", "NaN", "--start", "2027-01-05"),
        "--hours : heures par semaine invalides (NaN)",
    ),
    option(
        "simulate a vacation rate of 'beaucoup'",
        ("simulate", "--add", "Agent", "--salary", "50000", "--vacation", "beaucoup", "--start", "2027-01-05"),
        "--vacation",
        "beaucoup",
    ),
    option(
        "simulate a hire from year 1",
        ("simulate", "--add", "Agent", "--salary", "50000", "--start", "0001-01-05"),
        "--start",
        "1900-01-01",
    ),
    option("variance by month", ("variance", "--by", "month"), "--by : « month » n'est pas permis"),
    option("dump as xml", ("dump", "--format", "xml"), "--format : « xml » n'est pas permis", "yaml, json"),
    option(
        "report in german", ("report", "budget", "--lang", "de", "-o", "x.xlsx"), "--lang : « de » n'est pas permis"
    ),
    option("receive without amount", ("receive", "VDM-2026"), "il manque l'option --amount"),
    option("receive without reference", ("receive",), "il manque l'argument REFERENCE"),
    option("receive without reference, english", ("receive",), "missing argument REFERENCE", lang="en"),
    option("unknown option", ("funders", "--bogus"), "option inconnue : --bogus"),
    option(
        "unknown option, english", ("funders", "--jsn"), "no such option: --jsn", "(did you mean --json?)", lang="en"
    ),
    option("unknown command", ("fundrs",), "commande inconnue : fundrs", "funders"),
    option("a flag given a value", ("funders", "--json=yes"), "l'option --json ne prend pas de valeur"),
    option("an option without its value", ("receive", "VDM-2026", "--amount"), "l'option --amount attend une valeur"),
    option("extra arguments", ("funders", "encore", "plus"), "argument(s) en trop : encore plus"),
    option("NUL in an argument", ("grant", "VDM\x00"), "caractère de contrôle U+0000", "VDM\\x00"),
    option("escape in an option", ("grants", "--funder", "\x1b[2JVille"), "U+001B", "\\x1b[2JVille"),
    # --- output paths ---
    option("dump into a missing folder", ("dump", "-o", "{missing}/t.yaml"), "le dossier n'existe pas"),
    option("report into a missing folder", ("report", "budget", "-o", "{missing}/b.xlsx"), "le dossier n'existe pas"),
    option(
        "simulation into a missing folder",
        ("report", "simulation", "-o", "{missing}/s.xlsx"),
        "le dossier n'existe pas",
    ),
    option(
        "report onto a folder",
        ("report", "budget", "-o", "{folder}"),
        "-o/--output :",
        "est un dossier, pas un fichier",
    ),
    option(
        "schema into a missing folder, english",
        ("schema", "-o", "{missing}/s.json"),
        "the folder does not exist",
        lang="en",
    ),
]


def test_the_catalogue_holds_at_least_sixty_bad_inputs_of_every_kind() -> None:
    assert len(CASES) >= 60
    assert len({c.what for c in CASES}) == len(CASES)
    kinds = {c.args[0] for c in CASES}
    assert {"load", "expenses", "receive", "report", "dump"} <= kinds


def _args(case: Bad, folder: Path) -> list[str]:
    file = str(folder / case.name)
    if case.content is not None:
        write(folder / case.name, case.content)
    places = {"file": file, "missing": str(folder / "nowhere" / "x"), "folder": str(folder)}
    return [a.format(**places) for a in case.args]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.what)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(loaded_db: str, tmp_path: Path, case: Bad) -> None:
    before = row_counts(loaded_db)
    stderr = refused(run(loaded_db, *_args(case, tmp_path), lang=case.lang), *case.expected)
    assert row_counts(loaded_db) == before
    assert max(len(line) for line in stderr.splitlines()) < 600, "a message shows only an excerpt of a value"
    assert not any(c in stderr for c in "\x00\x1b\x07"), "control characters are never printed raw"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "--database : type de base de données inconnu dans « foo://bar »"),
        ("notaurl", "--database : adresse de base de données illisible : « notaurl »"),
        ("mysql://user@host/db", "--database : le pilote MySQLdb"),
        ("postgresql+pg8000://user:secret@host/db", "--database : le pilote pg8000"),
        ("sqlite:///{missing}/fundtrack.sqlite3", "base de données inaccessible : unable to open database file"),
        ("postgresql://postgres@127.0.0.1:1/nothing", "base de données inaccessible"),
        (f"sqlite:///{EXAMPLE}", "ce fichier n'est pas une base de données fundtrack"),
    ],
)
def test_a_bad_database_url_is_refused_with_a_message(tmp_path: Path, url: str, expected: str) -> None:
    stderr = refused(run(url.format(missing=tmp_path / "nowhere"), "funders"), expected)
    assert "secret" not in stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_file_one_byte_over_the_size_limit_is_refused(loaded_db: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * MAX_FILE_BYTES + b"{}")
    refused_unchanged(loaded_db, ["load", str(path)], "dépasse la taille permise de 10 Mo")


# --- the example, mutated ---------------------------------------------------------------------

EXAMPLE_DATA: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
EXAMPLE_DATA["organisation"]["name"] = "Table de quartier mutée"


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the document a mutation can touch (the root excepted)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


PATHS = _paths(EXAMPLE_DATA)
DEEP = "__DEEP__"

replacements = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            10**20,
            -(10**20),
            2**63,
            1.5,
            "",
            " ",
            "1e4",
            "1.0e+26",
            "NaN",
            "-Infinity",
            "40000.001",
            "9" * 400,
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            [],
            {},
            [1, 2],
            {"a": 1},
            "x" * 301,
            "x" * 10_001,
            "é" * 201,
            "\ufeff",
            DEEP,
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0x2FF), max_size=12),
    st.integers(),
)
controls = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x1b", "\x7f", "\x9b", "\t", "\n", "\r", "\u202e"])


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    target = doc
    for key in path[:-1]:
        target = target[key]
    return target


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, str]:
    """The example (as YAML or JSON) with one to three mutations; returns (file name, text)."""
    doc = copy.deepcopy(EXAMPLE_DATA)
    twice: tuple[str, Any] | None = None
    depth = 0
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(PATHS))
        try:
            parent = _parent(doc, path)
            key = path[-1]
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this place
        how = draw(st.sampled_from(["replace", "delete", "twice", "control"]))
        if how == "replace":
            value = draw(replacements)
            if value == DEEP:
                depth = draw(st.sampled_from([19, 21, 200, 3000]))
            parent[key] = value
        elif how == "delete":
            del parent[key]
        elif how == "twice" and isinstance(parent, dict):
            twice = (str(key), current)
        elif how == "control" and isinstance(current, str):
            at = draw(st.integers(min_value=0, max_value=len(current)))
            parent[key] = current[:at] + draw(controls) + current[at:]
    as_json = draw(st.booleans())
    if as_json:
        text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
        if twice is not None:
            key, value = twice
            text = text.replace(
                f"{json.dumps(key)}: ", f"{json.dumps(key)}: {json.dumps(value)}, {json.dumps(key)}: ", 1
            )
        text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
        return "mutated.json", text
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    if twice is not None:
        text = _yaml_twice(text, twice[0])
    text = text.replace(DEEP, "[" * depth + "]" * depth)
    return "mutated.yaml", text


def _yaml_twice(text: str, key: str) -> str:
    """``text`` with the first line that sets ``key`` followed by a second one in the same mapping."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(rf"^( *)(- )?{re.escape(key)}:", line)
        if match:
            indent = match.group(1) + ("  " if match.group(2) else "")
            lines.insert(number + 1, f"{indent}{key}: null")
            break
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_files())
def test_the_example_mutated_at_random_loads_or_is_refused_with_a_message(
    empty_db: str, tmp_path: Path, mutated: tuple[str, str]
) -> None:
    name, text = mutated
    result = run(empty_db, "load", write(tmp_path / name, text))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert "Table de quartier mutée" in result.stdout
        wipe(empty_db)
        return
    assert result.exit_code == 1
    assert result.stderr.startswith(("Rien n'a été écrit.", "Erreur :")), result.stderr
    assert max(len(line) for line in result.stderr.splitlines()) < 600
    assert not any(c in result.stderr for c in "\x00\x1b\x07\x9b")
    assert not any(row_counts(empty_db).values()), "a refused file writes nothing"


def test_the_unmutated_example_loads(tmp_path: Path) -> None:
    url = sqlite_schema(tmp_path / "fresh.sqlite3")
    text = EXAMPLE.read_text(encoding="utf-8").replace("Table de quartier de Parc-Extension", "Table de quartier mutée")
    result = run(url, "load", write(tmp_path / "example.yaml", text))
    assert result.exit_code == 0, result.output

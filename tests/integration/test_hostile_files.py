"""Hostile and huge input, as a new user or a careless tool gives it: a message, never a traceback.

One test (or a few) per point of the issues "Tried as a new user would" (13-18, 20, 23)
and "Nothing lost, nothing overspent" (10-12), each through the ``fundtrack`` command
on SQLite and on PostgreSQL, each checking that nothing was written.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from fundtrack.cli import main
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
    run,
    wipe,
    write,
)

__all__ = ["empty_db", "loaded_db"]  # fixtures


# --- 10. YAML aliases, and the length of what a message shows ---------------------------------

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "",
    ]
)


def test_a_yaml_alias_bomb_of_a_few_hundred_bytes_is_refused_before_anything_is_built(
    empty_db: str, tmp_path: Path
) -> None:
    assert len(BOMB.encode()) < 600
    path = write(tmp_path / "bomb.yaml", BOMB)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        stderr = refused_unchanged(empty_db, ["load", path], "alias", "1000")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - started < 5
    assert peak < 50 * 1024 * 1024
    assert len(stderr) < 500


def test_a_huge_value_in_a_field_is_shown_as_a_short_excerpt_in_the_message(empty_db: str, tmp_path: Path) -> None:
    doc = document()
    doc["funders"][0]["kind"] = ["une valeur assez longue pour compter"] * 900  # ~35 KB, no alias
    stderr = refused_unchanged(empty_db, ["load", write(tmp_path / "long.yaml", as_yaml(doc))], "funders[0].kind")
    assert len(stderr) < 1000


def test_an_alias_within_the_bound_still_loads(empty_db: str, tmp_path: Path) -> None:
    text = as_yaml(document()).replace("- name: Ville de Montréal", "- &city\n  name: Ville de Montréal")
    text = text.replace("fiscal_start_month: 1\n", "fiscal_start_month: 1\n  contact_name: &who Agente\n", 1)
    text += "categories:\n- {code: interp, label_fr: *who, label_en: *who}\n"
    result = run(empty_db, "load", write(tmp_path / "alias.yaml", text))
    assert result.exit_code == 0, result.output
    wipe(empty_db)


# --- 11. documented limits: file size, records, text lengths, dates ---------------------------


def test_a_name_longer_than_its_column_is_refused_alike_on_sqlite_and_postgresql(empty_db: str, tmp_path: Path) -> None:
    doc = document()
    doc["funders"][0]["name"] = "V" * 250
    doc["grants"][0]["funder"] = "V" * 250
    refused_unchanged(
        empty_db,
        ["load", write(tmp_path / "long.yaml", as_yaml(doc))],
        "funders[0].name",
        "250 characters, more than the 200 allowed (funders.name)",
        lang="en",
    )


def test_a_grant_from_year_1_to_year_9999_is_refused_instead_of_crashing_the_ledger(
    empty_db: str, tmp_path: Path
) -> None:
    doc = document(start_date="0001-01-01", end_date="9999-12-31", instalments=[])
    refused_unchanged(
        empty_db,
        ["load", write(tmp_path / "years.yaml", as_yaml(doc))],
        "grants[0].start_date",
        "grants[0].end_date",
        "hors de la plage permise : du 1900-01-01 au 2199-12-31",
    )


def test_every_date_option_is_held_to_the_documented_range(loaded_db: str) -> None:
    refused_unchanged(loaded_db, ["receivables", "--as-of", "0001-01-01"], "--as-of", "0001-01-01")
    refused_unchanged(loaded_db, ["ledger", "--fiscal-year", "9999-00"], "9999-00", "1900-01-01")
    refused_unchanged(loaded_db, ["variance", "--period", "2026-01-01:9999-12-31"], "--period", "9999-12-31")


def test_a_file_larger_than_the_limit_is_refused_before_it_is_parsed(empty_db: str, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("format: fundtrack\nnotes: |\n")
        line = "  " + "x" * 1022 + "\n"
        fh.write(line * (MAX_FILE_BYTES // len(line) + 1))
    refused_unchanged(empty_db, ["load", str(path)], "huge.yaml", "10 MB", lang="en")


def test_a_file_with_more_records_than_the_limit_is_refused(empty_db: str, tmp_path: Path) -> None:
    doc = document()
    doc["projects"] = [{"name": f"P{i}"} for i in range(MAX_RECORDS + 1)]
    path = write(tmp_path / "many.json", json.dumps(doc))
    refused_unchanged(empty_db, ["load", path], f"{MAX_RECORDS + 3} records, more than the {MAX_RECORDS}", lang="en")


# --- 12. every refusal in the user's language --------------------------------------------------


def test_an_amount_of_1e26_is_a_message_in_french_not_a_python_exception_name(empty_db: str, tmp_path: Path) -> None:
    text = raw_amount("1.0e+26")
    stderr = refused_unchanged(
        empty_db, ["load", write(tmp_path / "e26.yaml", text)], "grants[0].amount", "sans exposant"
    )
    assert "InvalidOperation" not in stderr


def test_marshmallows_own_messages_are_in_french(empty_db: str, tmp_path: Path) -> None:
    doc = document(projects="Grands rendez-vous")
    doc["funders"].append(5)
    stderr = refused_unchanged(
        empty_db,
        ["load", write(tmp_path / "types.yaml", as_yaml(doc))],
        "funders[1] : objet attendu",
        "grants[0].projects : liste attendue",
    )
    assert "Invalid" not in stderr
    assert "Not a valid" not in stderr


# --- 13. amounts beyond what the storage holds -------------------------------------------------


def test_an_amount_of_ten_to_the_twentieth_in_a_file_is_refused_with_its_field(empty_db: str, tmp_path: Path) -> None:
    text = raw_amount(str(10**20))
    refused_unchanged(
        empty_db,
        ["load", write(tmp_path / "big.yaml", text)],
        "grants[0].amount",
        "100000000000000000000",
        "999 999 999 999,99 $",
    )


def test_an_amount_beyond_the_maximum_is_refused_by_receive(loaded_db: str) -> None:
    refused_unchanged(
        loaded_db,
        ["receive", "VDM-2026", "--amount", "100000000000000000000", "--date", "2026-11-20"],
        "--amount",
        "$999,999,999,999.99",
        lang="en",
    )


def test_two_grants_at_the_maximum_are_listed_totalled_and_reported(empty_db: str, tmp_path: Path) -> None:
    doc = document(amount="999999999999.99", instalments=[])
    doc["grants"].append({**doc["grants"][0], "reference": "VDM-2026-B"})
    doc["organisation"]["fiscal_start_month"] = 1  # the grants' whole amount in fiscal year 2026
    result = run(empty_db, "load", write(tmp_path / "max.yaml", as_yaml(doc)))
    assert result.exit_code == 0, result.output
    listing = run(empty_db, "grants", "--json")
    assert [g["amount"] for g in json.loads(listing.stdout)] == ["999999999999.99", "999999999999.99"]
    ledger = run(empty_db, "ledger", "--fiscal-year", "2026", "--json", lang="en")
    assert ledger.exit_code == 0, ledger.output
    assert json.loads(ledger.stdout)["total"]["confirmed"] == "1999999999999.98"  # beyond the maximum: a total
    table = run(empty_db, "ledger", "--fiscal-year", "2026", lang="en")
    assert "1,999,999,999,999.98" in table.stdout
    report = run(empty_db, "report", "funder", "Ville de Montréal", "-o", str(tmp_path / "vdm.xlsx"))
    assert report.exit_code == 0, report.output
    wipe(empty_db)


# --- 14. nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"format": "fundtrack", "notes": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("deep.yaml", "format: fundtrack\nnotes: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep-block.yaml", "format: fundtrack\nnotes:\n" + "".join("  " * i + "- \n" for i in range(1, 300))),
    ],
)
def test_a_file_nested_thousands_of_levels_deep_is_refused(empty_db: str, tmp_path: Path, name: str, text: str) -> None:
    refused_unchanged(empty_db, ["load", write(tmp_path / name, text)], "imbrication de plus de 20 niveaux")


# --- 15. CSV as Excel writes it ----------------------------------------------------------------


def test_a_csv_saved_by_excel_in_windows_1252_is_imported(empty_db: str, tmp_path: Path) -> None:
    assert run(empty_db, "load", str(EXAMPLE)).exit_code == 0
    rows = EXPENSES.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write(tmp_path / "excel.csv", (rows[0] + rows[1].replace("illustratif", "illustré")).encode("cp1252"))
    result = run(empty_db, "expenses", "import", path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"] == 1
    expenses = yaml.safe_load(run(empty_db, "dump").stdout)["expenses"]
    assert "Bureau partagé du quartier (illustré)" in [e.get("payee") for e in expenses]
    wipe(empty_db)


def test_a_csv_in_no_known_encoding_is_refused_with_how_to_save_it(loaded_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", b"Date;Fournisseur\n2026-04-01;\x81\x8d\x8f\x90\x9d\n")
    refused_unchanged(loaded_db, ["expenses", "import", path], "ligne 2", "CSV UTF-8")


def test_a_csv_cell_over_the_csv_field_limit_is_refused_with_its_line(loaded_db: str, tmp_path: Path) -> None:
    text = EXPENSES.read_text(encoding="utf-8")
    line = len(text.splitlines()) + 1
    text += '01/05/2026;"Guillemet jamais fermé' + "x" * 200_000 + "\n"
    refused_unchanged(
        loaded_db, ["expenses", "import", write(tmp_path / "quote.csv", text)], f"ligne {line} :", "131072", "guillemet"
    )


# --- 16. output paths and database URLs --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["report", "budget", "-o", "{missing}/r.xlsx"],
        ["report", "funder", "Ville de Montréal", "-o", "{missing}/r.xlsx"],
        ["dump", "-o", "{missing}/backup.yaml"],
        ["schema", "-o", "{missing}/schema.json"],
    ],
)
def test_an_output_path_in_a_folder_that_does_not_exist_is_reported(
    loaded_db: str, tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "nowhere"
    filled = [a.format(missing=missing) for a in args]
    refused_unchanged(loaded_db, filled, str(missing), "the folder does not exist", lang="en")
    assert not missing.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "unknown kind of database in 'foo://bar'"),
        ("not a url", "database URL does not parse: 'not a url'"),
        ("mysql://user@host/db", "driver MySQLdb for 'mysql://user@host/db' is not installed"),
        ("postgresql+pg8000://user:secret@host/db", "driver pg8000 for 'postgresql+pg8000://user:***@host/db'"),
    ],
)
def test_a_database_url_that_does_not_parse_or_whose_driver_is_missing_is_reported(url: str, expected: str) -> None:
    stderr = refused(run(url, "funders", lang="en"), "--database", expected)
    assert "secret" not in stderr


# --- 17. control characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "Communications\x00 citoyennes", "grants[0].title : caractère de contrôle U+0000 refusé"),
        ("title", "Communications\x1b[31m", "grants[0].title : caractère de contrôle U+001B refusé"),
        ("title", "Communications\ncitoyennes", "grants[0].title : saut de ligne ou tabulation U+000A refusé"),
        ("notes", "Première ligne\x07", "grants[0].notes : caractère de contrôle U+0007 refusé"),
    ],
)
def test_control_characters_are_refused_alike_on_sqlite_and_postgresql(
    empty_db: str, tmp_path: Path, field: str, value: str, expected: str
) -> None:
    path = write(tmp_path / "ctl.json", json.dumps(document(**{field: value})))
    stderr = refused_unchanged(empty_db, ["load", path], expected)
    assert "\x00" not in stderr
    assert "\x1b" not in stderr


def test_tabs_and_line_breaks_stay_in_a_multi_line_field(empty_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "notes.json", json.dumps(document(notes="Première ligne\n\tseconde ligne")))
    result = run(empty_db, "load", path)
    assert result.exit_code == 0, result.output
    dumped = yaml.safe_load(run(empty_db, "dump").stdout)
    assert dumped["grants"][0]["notes"] == "Première ligne\n\tseconde ligne"
    assert dumped["funders"][0]["notes"] == "Une\nligne"
    wipe(empty_db)


def test_a_control_character_in_a_csv_cell_is_refused_with_its_line_and_column(loaded_db: str, tmp_path: Path) -> None:
    text = EXPENSES.read_text(encoding="utf-8").replace("Loyer", "Lo\x00yer", 1)
    refused_unchanged(
        loaded_db, ["expenses", "import", write(tmp_path / "nul.csv", text)], "ligne 2, colonne 3", "U+0000"
    )


def test_a_control_character_in_an_argument_is_refused(loaded_db: str) -> None:
    refused_unchanged(loaded_db, ["grant", "VDM\x002026"], "U+0000", "VDM\\x002026")


# --- 18. exponent notation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("e.yaml", raw_amount("1e4")),
        ("e-float.yaml", raw_amount("1.0e+4")),
        ("e-string.yaml", as_yaml(document(amount="1e4"))),
        ("e.json", raw_amount("1e4", "json")),
    ],
)
def test_exponent_notation_is_refused_as_an_amount_in_a_file(
    empty_db: str, tmp_path: Path, name: str, text: str
) -> None:
    refused_unchanged(
        empty_db, ["load", write(tmp_path / name, text)], "grants[0].amount", "without an exponent", lang="en"
    )


def test_exponent_notation_is_refused_by_receive(loaded_db: str) -> None:
    refused_unchanged(
        loaded_db, ["receive", "VDM-2026", "--amount", "1e4", "--date", "2026-11-20"], "--amount", "sans exposant"
    )


# --- 20. a key given twice; a JSON file with a BOM ---------------------------------------------


def test_a_json_key_given_twice_is_refused_naming_the_key(empty_db: str, tmp_path: Path) -> None:
    text = json.dumps(document()).replace('"amount": "40000.00"', '"amount": "40000.00", "amount": "4.00"', 1)
    refused_unchanged(empty_db, ["load", write(tmp_path / "twice.json", text)], "« amount »", "« VDM-2026 »")


def test_a_yaml_key_given_twice_is_refused_naming_the_key_and_its_line(empty_db: str, tmp_path: Path) -> None:
    text = as_yaml(document()).replace("  amount: '40000.00'\n", "  amount: '40000.00'\n  amount: '4.00'\n", 1)
    line = text.splitlines().index("  amount: '4.00'") + 1
    refused_unchanged(empty_db, ["load", write(tmp_path / "twice.yaml", text)], "« amount »", f"ligne {line}")


def test_yaml_merge_keys_still_override_what_they_merge(empty_db: str, tmp_path: Path) -> None:
    text = as_yaml(document()).replace(
        "- name: Ville de Montréal\n", "- <<: {name: Autre, language: en}\n  name: Ville de Montréal\n"
    )
    result = run(empty_db, "load", write(tmp_path / "merge.yaml", text))
    assert result.exit_code == 0, result.output
    funders = json.loads(run(empty_db, "funders", "--json").stdout)
    assert [(f["name"], f["language"]) for f in funders] == [("Ville de Montréal", "en")]
    wipe(empty_db)


def test_a_json_file_with_a_bom_is_read(empty_db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + json.dumps(document(), ensure_ascii=False).encode())
    result = run(empty_db, "load", path)
    assert result.exit_code == 0, result.output
    wipe(empty_db)


# --- 23. say what is actually wrong; click's messages in the user's language ----------------------


def test_amount_true_is_called_a_true_false_value_not_a_float(empty_db: str, tmp_path: Path) -> None:
    text = raw_amount("true")
    stderr = refused_unchanged(
        empty_db,
        ["load", write(tmp_path / "true.yaml", text)],
        "grants[0].amount : vrai/faux (true) n'est pas un montant",
    )
    assert "virgule flottante" not in stderr


@pytest.mark.parametrize(
    ("args", "lang", "expected"),
    [
        (["receive"], "fr", "Erreur : il manque l'argument REFERENCE"),
        (["receive", "VDM-2026"], "fr", "Erreur : il manque l'option --amount"),
        (["funders", "--bogus"], "fr", "Erreur : option inconnue : --bogus"),
        (["variance", "--by", "month"], "fr", "Erreur : --by : « month » n'est pas permis : choisir parmi line"),
        (["nosuch"], "fr", "Erreur : commande inconnue : nosuch"),
        (["receive"], "en", "Error: missing argument REFERENCE"),
        (["funders", "--bogus"], "en", "Error: no such option: --bogus"),
        (["variance", "--by", "month"], "en", "Error: --by: 'month' is not allowed: choose from line"),
    ],
)
def test_clicks_usage_errors_are_in_the_users_language_and_exit_1(
    loaded_db: str, args: list[str], lang: str, expected: str
) -> None:
    stderr = refused_unchanged(loaded_db, args, expected, lang=lang)
    assert ("Utilisation :" in stderr) == (lang == "fr")


def test_a_bad_language_is_refused_in_french_before_any_language_is_chosen(loaded_db: str) -> None:
    stderr = refused(run(loaded_db, "funders", lang="de"), "Erreur : --lang : « de » n'est pas permis")
    assert "Usage:" not in stderr


def test_the_example_still_loads(empty_db: str) -> None:
    result = run(empty_db, "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    wipe(empty_db)


def test_a_group_given_nothing_still_shows_its_help(loaded_db: str) -> None:
    for result in (CliRunner().invoke(main, []), run(loaded_db, "report")):
        assert "Commands:" in result.output
        assert "Erreur" not in result.output


def test_options_without_a_command_say_the_command_is_missing(loaded_db: str) -> None:
    refused(run(loaded_db), "Erreur : il manque la commande")


def test_a_language_in_the_environment_that_is_neither_french_nor_english_is_refused(
    loaded_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUNDTRACK_LANG", "de")
    result = CliRunner().invoke(main, ["--database", loaded_db, "funders"])
    refused(result, "Erreur : FUNDTRACK_LANG : « de » n'est pas permis : choisir parmi fr, en")

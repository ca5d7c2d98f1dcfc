"""``fundtrack backup`` and ``fundtrack restore``: an archive of the whole database, restored
all or nothing into an empty database and proved by dumping it again; bad archives refused
with a clear message and nothing written; on SQLite and PostgreSQL, and from one to the other."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from fundtrack.cli import main
from fundtrack.db import make_engine
from fundtrack.i18n import set_lang
from fundtrack.models import AuditLog, Expense
from fundtrack.services.backup import find_pg_dump
from fundtrack.services.backup.archive import MANIFEST
from tests.conftest import POSTGRES_URL, PostgresDatabase

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

NewDatabase = Callable[[str], str]


@pytest.fixture
def new_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NewDatabase]:
    """``new_database(kind)``: the URL of a fresh empty database of that kind (dropped afterwards)."""
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    made: list[PostgresDatabase] = []
    count = iter(range(1000))

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'db{next(count)}.sqlite3'}"
        if not POSTGRES_URL:
            pytest.skip("FUNDTRACK_TEST_POSTGRES_URL is not set")
        database = PostgresDatabase(POSTGRES_URL)
        made.append(database)
        return database.url

    yield make
    for database in made:
        database.drop()
    set_lang("fr")


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)


def loaded(url: str) -> str:
    result = run(url, "--as", "Awa Diallo", "load", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return url


def dumped(url: str) -> object:
    result = run(url, "dump", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "expenses": conn.scalar(select(func.count()).select_from(Expense)) or 0,
                "audit": conn.scalar(select(func.count()).select_from(AuditLog)) or 0,
            }
    finally:
        engine.dispose()


def holds_nothing(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.dialect.get_table_names(conn)
            return "organisations" not in tables or not conn.scalar(text("SELECT count(*) FROM organisations"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_a_backup_restored_into_an_empty_database_gives_the_same_dump(
    new_database: NewDatabase, tmp_path: Path, kind: str
) -> None:
    source = loaded(new_database(kind))
    archive = tmp_path / "table.zip"
    result = run(source, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.stdout and "Table de quartier de Parc-Extension" in result.stdout
    assert "Export de « Table de quartier de Parc-Extension »" in result.stderr  # progress on stderr
    target = new_database(kind)
    restored = run(target, "--lang", "en", "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "Restore done and verified: 1 organisation(s)" in restored.stdout
    assert "Comparing the restored data with the archive" in restored.stderr
    assert dumped(target) == dumped(source)
    assert run(target, "check").exit_code == 0


def test_a_sqlite_restore_is_the_database_itself_audit_log_included(new_database: NewDatabase, tmp_path: Path) -> None:
    source = loaded(new_database("sqlite"))
    assert run(source, "backup", str(tmp_path / "t.zip")).exit_code == 0
    target = new_database("sqlite")
    result = run(target, "restore", str(tmp_path / "t.zip"))
    assert result.exit_code == 0, result.output
    assert counts(target) == counts(source)  # every audit entry, not a new history


@pytest.mark.postgres
@pytest.mark.parametrize(("source_kind", "target_kind"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_an_archive_moves_between_sqlite_and_postgresql(
    new_database: NewDatabase, tmp_path: Path, source_kind: str, target_kind: str
) -> None:
    source = loaded(new_database(source_kind))
    assert run(source, "backup", str(tmp_path / "t.zip")).exit_code == 0
    target = new_database(target_kind)
    result = run(target, "--as", "Awa Diallo", "restore", str(tmp_path / "t.zip"))
    assert result.exit_code == 0, result.output
    assert "journal d'audit commence à cette restauration" in result.stdout
    assert dumped(target) == dumped(source)
    assert counts(target)["expenses"] == counts(source)["expenses"]


@pytest.mark.postgres
def test_a_postgresql_archive_carries_pg_dumps_copy_when_it_is_installed(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    source = loaded(new_database("postgres"))
    result = run(source, "backup", str(tmp_path / "t.zip"))
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(tmp_path / "t.zip").namelist()
    if find_pg_dump() is None:
        assert "pg_dump n'est pas installé" in result.stderr
        assert "postgresql.sql" not in names
    elif "pg_dump a échoué" not in result.stderr:  # a pg_dump older than the server says so and is left out
        assert "postgresql.sql" in names
        sql = zipfile.ZipFile(tmp_path / "t.zip").read("postgresql.sql").decode("utf-8")
        assert "CREATE TABLE public.grants" in sql


@pytest.mark.parametrize("kind", KINDS)
def test_a_database_that_holds_data_is_replaced_only_with_force(
    new_database: NewDatabase, tmp_path: Path, kind: str
) -> None:
    source = loaded(new_database(kind))
    assert run(source, "backup", str(tmp_path / "t.zip")).exit_code == 0
    engine = make_engine(source)
    with engine.begin() as conn:  # the data change after the backup
        conn.execute(text("UPDATE grants SET title = 'Changée après la sauvegarde'"))
    engine.dispose()
    changed = dumped(source)
    refused = run(source, "restore", str(tmp_path / "t.zip"))
    assert refused.exit_code == 1
    assert "contient déjà des données" in refused.stderr and "--force" in refused.stderr
    assert dumped(source) == changed
    forced = run(source, "restore", "--force", str(tmp_path / "t.zip"))
    assert forced.exit_code == 0, forced.output
    assert "ont été remplacées" in forced.stdout
    after = dumped(source)
    assert after != changed
    assert "Changée après la sauvegarde" not in json.dumps(after)


def test_a_backup_taken_while_another_writer_holds_the_database_has_only_what_was_committed(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    source = loaded(new_database("sqlite"))
    before = counts(source)
    writer = sqlite3.connect(source.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM expense_charges")  # not committed while the backup runs
    try:
        result = run(source, "backup", str(tmp_path / "t.zip"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    target = new_database("sqlite")
    assert run(target, "restore", str(tmp_path / "t.zip")).exit_code == 0
    assert counts(target) == before
    assert run(target, "check").exit_code == 0


def test_a_backup_that_fails_leaves_no_archive(new_database: NewDatabase, tmp_path: Path) -> None:
    empty = new_database("sqlite")
    result = run(empty, "--lang", "en", "backup", str(tmp_path / "t.zip"))
    assert result.exit_code == 1
    assert "has no fundtrack schema" in result.stderr
    assert list(tmp_path.glob("t.zip*")) == [] and list(tmp_path.glob(".t.zip*")) == []


# --- bad archives: a clear message, exit 1, nothing written ----------------------------------------


def _rewritten(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """A copy of ``archive`` with each member passed through ``change`` (None drops it)."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = change(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)
    return out


def _manifest_version(name: str, data: bytes) -> bytes:
    if name != MANIFEST:
        return data
    manifest = json.loads(data)
    manifest["version"] = 99
    return json.dumps(manifest).encode()


BAD: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "not a zip": (
        lambda good, out: (out.write_text("format: fundtrack\n", encoding="utf-8"), out)[1],
        "is not a backup archive (it is not a zip file)",
    ),
    "truncated": (
        lambda good, out: (out.write_bytes(good.read_bytes()[: good.stat().st_size // 2]), out)[1],
        "is truncated or damaged",
    ),
    "a zip of something else": (
        lambda good, out: _rewritten(good, out, lambda n, d: None if n == MANIFEST else d),
        "is a zip file but not a fundtrack backup",
    ),
    "a later format version": (
        lambda good, out: _rewritten(good, out, _manifest_version),
        "is in backup format version 99; this fundtrack reads version 1",
    ),
    "altered data": (
        lambda good, out: _rewritten(
            good, out, lambda n, d: d.replace(b'"25000.00"', b'"95000.00"') if n.startswith("organisations/") else d
        ),
        "organisations/0001.json does not match the manifest's checksum",
    ),
    "a missing member": (
        lambda good, out: _rewritten(good, out, lambda n, d: None if n.startswith("organisations/") else d),
        "organisations/0001.json is missing",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_archive_is_refused_with_a_clear_message_and_nothing_is_written(
    new_database: NewDatabase, tmp_path: Path, kind: str, case: str
) -> None:
    good = tmp_path / "good.zip"
    assert run(loaded(new_database("sqlite")), "backup", str(good)).exit_code == 0
    make, expected = BAD[case]
    bad = make(good, tmp_path / "bad.zip")
    target = new_database(kind)
    result = run(target, "--lang", "en", "restore", str(bad))
    assert result.exit_code == 1
    assert expected in result.stderr and "nothing was written" in result.stderr.lower()
    assert "Traceback" not in result.output
    assert holds_nothing(target)
    french = run(target, "restore", str(bad))
    assert french.exit_code == 1 and "rien n'a été écrit" in french.stderr.lower()


def test_only_a_treasurer_restores(new_database: NewDatabase, tmp_path: Path) -> None:
    assert run(loaded(new_database("sqlite")), "backup", str(tmp_path / "t.zip")).exit_code == 0
    target = new_database("sqlite")
    result = run(target, "--role", "board", "restore", str(tmp_path / "t.zip"))
    assert result.exit_code == 1
    assert holds_nothing(target)


def test_another_applications_database_is_not_taken_for_an_empty_one(new_database: NewDatabase, tmp_path: Path) -> None:
    assert run(loaded(new_database("sqlite")), "backup", str(tmp_path / "t.zip")).exit_code == 0
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)")
        conn.execute("INSERT INTO invoices (total) VALUES ('12.00')")
    result = run(f"sqlite:///{other}", "restore", str(tmp_path / "t.zip"))
    assert result.exit_code == 1 and "--force" in result.stderr
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT total FROM invoices").fetchall() == [("12.00",)]


def _rechecksummed(archive: Path, out: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of ``archive`` whose ``member`` is changed and whose manifest is made to agree
    (an archive consistent in itself, whose data a restore does not give back)."""
    import hashlib

    with zipfile.ZipFile(archive) as src:
        contents = {name: src.read(name) for name in src.namelist()}
    contents[member] = change(contents[member])
    manifest = json.loads(contents[MANIFEST])
    for entry in manifest["members"]:
        if entry["path"] == member:
            entry["size"], entry["sha256"] = len(contents[member]), hashlib.sha256(contents[member]).hexdigest()
    contents[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in contents.items():
            dst.writestr(name, data)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_a_restore_that_does_not_give_back_the_archives_data_is_refused_and_writes_nothing(
    new_database: NewDatabase, tmp_path: Path, kind: str
) -> None:
    good = tmp_path / "good.zip"
    assert run(loaded(new_database("sqlite")), "backup", str(good)).exit_code == 0
    # an amount written without its cents loads, but is dumped back as "25000.00"
    bad = _rechecksummed(
        good, tmp_path / "bad.zip", "organisations/0001.json", lambda d: d.replace(b'"25000.00"', b'"25000"')
    )
    target = new_database(kind)
    result = run(target, "--lang", "en", "restore", str(bad))
    assert result.exit_code == 1, result.output
    assert "the restored data of 'Table de quartier de Parc-Extension' are not the archive's" in result.stderr
    assert holds_nothing(target)


def test_attached_files_travel_with_the_data_by_content_hash(new_database: NewDatabase, tmp_path: Path) -> None:
    import hashlib

    from fundtrack.services.attachments import AttachmentStore

    receipt = b"%PDF-1.4 facture des interpretes\n%%EOF\n"
    data, elsewhere = tmp_path / "data", tmp_path / "restored"
    source = loaded(new_database("sqlite"))
    engine = make_engine(source)
    with engine.connect() as conn:
        expense_id = conn.scalar(select(func.min(Expense.id)))
    engine.dispose()
    paper = tmp_path / "facture.pdf"
    paper.write_bytes(receipt)
    attached = run(source, "attach", "receipt", str(expense_id), str(paper), "--data-dir", str(data))
    assert attached.exit_code == 0, attached.output
    (data / "pending-imports").mkdir()
    (data / "pending-imports" / "waiting.csv").write_text("not a stored file")
    archive = tmp_path / "t.zip"
    assert run(source, "backup", str(archive), "--data-dir", str(data)).exit_code == 0
    members = [n for n in zipfile.ZipFile(archive).namelist() if n.startswith("files/")]
    assert members == [f"files/{hashlib.sha256(receipt).hexdigest()}"]  # a pending import stays out
    target = new_database("sqlite")
    restored = run(target, "restore", str(archive), "--data-dir", str(elsewhere))
    assert restored.exit_code == 0, restored.output
    store = AttachmentStore(elsewhere)
    assert store.path_of(hashlib.sha256(receipt).hexdigest()).read_bytes() == receipt
    assert dumped(target) == dumped(source)


def test_a_backup_without_a_data_folder_says_its_files_are_not_in_it(
    new_database: NewDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNDTRACK_DATA_DIR", raising=False)
    source = loaded(new_database("sqlite"))
    result = run(source, "--lang", "en", "backup", str(tmp_path / "t.zip"))
    assert result.exit_code == 0
    assert "No data folder (--data-dir or FUNDTRACK_DATA_DIR)" in result.stderr


def test_an_attached_file_named_outside_its_folder_is_refused(new_database: NewDatabase, tmp_path: Path) -> None:
    from fundtrack.services.attachments import AttachmentStore
    from fundtrack.services.backup import write_backup

    folder = tmp_path / "data"
    AttachmentStore(folder).write("a" * 64, b"%PDF")
    source = make_engine(loaded(new_database("sqlite")))
    write_backup(source, tmp_path / "t.zip", files=folder)
    source.dispose()

    def escape(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["files"][0]["name"] = "../../outside.pdf"
        return json.dumps(manifest).encode()

    bad = _rewritten(tmp_path / "t.zip", tmp_path / "bad.zip", lambda n, d: escape(d) if n == MANIFEST else d)
    target = new_database("sqlite")
    result = run(target, "--lang", "en", "restore", str(bad))
    assert result.exit_code == 1
    assert "names an attached file outside its folder (../../outside.pdf)" in result.stderr
    assert holds_nothing(target) and not (tmp_path.parent / "outside.pdf").exists()

"""The backup archive: a zip file holding a manifest, the data and (later) attached files.

Layout (``FORMAT_VERSION`` 1)::

    manifest.json                 what the archive holds, each member with its size and SHA-256
    organisations/0001.json       each organisation's interchange file (the dump a restore must give back)
    database.sqlite3              a SQLite database's own copy (online backup API), when it came from SQLite
    postgresql.sql                pg_dump's plain SQL, when it came from PostgreSQL and pg_dump was installed
    files/<sha256>                attached files (receipts, agreements), by content hash, once they exist

The manifest is the one member not listed in itself. Reading an archive checks it whole
before anything is restored: that it is a zip, not truncated, of this format and a version
this fundtrack reads, every member listed present with its size and checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fundtrack.errors import FundtrackError
from fundtrack.i18n import msg

FORMAT_NAME = "fundtrack-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_DUMP_MEMBER = "postgresql.sql"
ORGANISATIONS = "organisations/"
FILES = "files/"
CHUNK = 1024 * 1024

M_NOT_ARCHIVE = msg("restore.not_archive")
M_TRUNCATED = msg("restore.truncated")
M_NOT_OURS = msg("restore.not_ours")
M_WRONG_VERSION = msg("restore.wrong_version")
M_MISSING = msg("restore.missing_member")
M_CHECKSUM = msg("restore.checksum")
M_DAMAGED = msg("restore.damaged")
M_BAD_FILE_NAME = msg("restore.bad_file_name")

STORED = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}")


class BackupError(FundtrackError):
    """A backup could not be written or an archive cannot be restored; nothing was written."""


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """What an archive holds: where the data came from, each organisation's dump, each member."""

    created_at: str
    source: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    organisations: list[dict[str, str]] = field(default_factory=list)  # {"name", "path"}
    members: list[Member] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # attached files: {"sha256", "size", "name"}
    fundtrack_version: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "created_at": self.created_at,
            "fundtrack_version": self.fundtrack_version,
            "source": self.source,
            "schema_revision": self.schema_revision,
            "organisations": self.organisations,
            "members": [{"path": m.path, "size": m.size, "sha256": m.sha256} for m in self.members],
            "files": self.files,
        }

    def member(self, path: str) -> Member | None:
        return next((m for m in self.members if m.path == path), None)


def sha256_of(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class ArchiveWriter:
    """Members added one by one, each with its checksum; the manifest last."""

    def __init__(self, zf: zipfile.ZipFile, manifest: Manifest) -> None:
        self.zf, self.manifest = zf, manifest

    def add_bytes(self, path: str, data: bytes) -> None:
        self.zf.writestr(path, data)
        self.manifest.members.append(Member(path, len(data), hashlib.sha256(data).hexdigest()))

    def add_attached_files(self, folder: Path) -> None:
        """Every stored file under ``folder`` (``<2 hex>/<sha256>``, the attachment store's
        layout: a pending import or a partial write stays out), once per content as
        ``files/<sha256>``, listed in the manifest's ``files`` by its path relative to ``folder``."""
        stored: set[str] = set()
        kept = (p for p in folder.rglob("*") if p.is_file() and STORED.fullmatch(p.relative_to(folder).as_posix()))
        for source in sorted(kept):
            with source.open("rb") as fh:
                digest, size = sha256_of(fh)
            if digest not in stored:
                self.add_file(f"{FILES}{digest}", source)
                stored.add(digest)
            self.manifest.files.append({"name": source.relative_to(folder).as_posix(), "sha256": digest, "size": size})

    def add_file(self, path: str, source: Path) -> None:
        with source.open("rb") as fh:
            digest, size = sha256_of(fh)
        self.zf.write(source, path)
        self.manifest.members.append(Member(path, size, digest))


@contextmanager
def writing(path: Path, manifest: Manifest) -> Iterator[ArchiveWriter]:
    """Write the archive beside ``path`` and move it into place only once complete: a
    failure leaves no archive, and an older file at ``path`` as it was."""
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            writer = ArchiveWriter(zf, manifest)
            yield writer
            zf.writestr(MANIFEST, json.dumps(manifest.as_json(), ensure_ascii=False, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Archive:
    """An archive opened for reading, its manifest read and every member checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zf = _open(path)
        self.manifest = _manifest(self.zf, path)
        for member in self.manifest.members:
            self._check(member)

    def _check(self, member: Member) -> None:
        try:
            info = self.zf.getinfo(member.path)
        except KeyError:
            raise BackupError(M_MISSING, path=str(self.path), member=member.path) from None
        if info.file_size != member.size:
            raise BackupError(M_CHECKSUM, path=str(self.path), member=member.path)
        try:
            with self.zf.open(info) as fh:
                digest, size = sha256_of(fh)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError):
            raise BackupError(M_DAMAGED, path=str(self.path), member=member.path) from None
        if digest != member.sha256 or size != member.size:
            raise BackupError(M_CHECKSUM, path=str(self.path), member=member.path)

    def read(self, member: str) -> bytes:
        return self.zf.read(member)

    def extract_to(self, member: str, target: Path) -> None:
        with self.zf.open(member) as src, target.open("wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)

    def restore_files(self, folder: Path) -> int:
        """Write the attached files into ``folder`` (made if need be): each into a temporary
        name first, then moved into place. Returns how many."""
        for entry in self.manifest.files:
            target = folder / entry["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            self.extract_to(f"{FILES}{entry['sha256']}", partial)
            os.replace(partial, target)
        return len(self.manifest.files)

    def organisation_documents(self) -> list[tuple[str, Any]]:
        """(name, parsed interchange document) of each organisation, in the archive's order."""
        return [(o["name"], json.loads(self.read(o["path"]).decode("utf-8"))) for o in self.manifest.organisations]

    def close(self) -> None:
        self.zf.close()


def _open(path: Path) -> zipfile.ZipFile:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        raise  # the CLI words it (not found, denied...)
    if not zipfile.is_zipfile(path):
        code = M_TRUNCATED if head == b"PK\x03\x04" else M_NOT_ARCHIVE
        raise BackupError(code, path=str(path))
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BackupError(M_TRUNCATED, path=str(path)) from None


def _manifest(zf: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        data = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise BackupError(M_NOT_OURS, path=str(path)) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise BackupError(M_DAMAGED, path=str(path), member=MANIFEST) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise BackupError(M_NOT_OURS, path=str(path))
    if data.get("version") != FORMAT_VERSION:
        raise BackupError(M_WRONG_VERSION, path=str(path), version=str(data.get("version")), supported=FORMAT_VERSION)
    try:
        members = [Member(str(m["path"]), int(m["size"]), str(m["sha256"])) for m in data["members"]]
        organisations = [{"name": str(o["name"]), "path": str(o["path"])} for o in data["organisations"]]
        manifest = Manifest(
            created_at=str(data["created_at"]),
            source=str(data["source"]),
            schema_revision=data.get("schema_revision"),
            organisations=organisations,
            members=members,
            files=list(data.get("files") or []),
            fundtrack_version=str(data.get("fundtrack_version", "")),
        )
    except (KeyError, TypeError, ValueError):
        raise BackupError(M_NOT_OURS, path=str(path)) from None
    listed = {m.path for m in members}
    for entry in manifest.files:
        name = str(entry.get("name", ""))
        parts = Path(name).parts
        if not name or Path(name).is_absolute() or ".." in parts or "\\" in name:
            raise BackupError(M_BAD_FILE_NAME, path=str(path), name=name[:200])
        if f"{FILES}{entry.get('sha256')}" not in listed:
            raise BackupError(M_MISSING, path=str(path), member=f"{FILES}{entry.get('sha256')}")
    for org in organisations:
        if org["path"] not in listed:
            raise BackupError(M_MISSING, path=str(path), member=org["path"])
    return manifest

"""The interchange file: the whole dataset of one organisation as JSON or YAML.

The file is a mapping with ``format: fundtrack``, ``version``, ``organisation`` and one
list per section (``funders``, ``projects``, ``grants``, and what later areas add).
Each section is a :class:`Section`, listed in order in :mod:`.sections`; the
loader validates every record with the section's marshmallow schema, then writes
the sections in order inside one transaction. Any error anywhere and nothing is
written: every error is reported with its path (``grants[3].amount: ...``).

Amounts are written as strings (``"1234.56"``) so that no reader turns them into
floats; a JSON number or a YAML number is read exactly too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from fundtrack import files
from fundtrack.errors import FieldError, InputError, NotFound, ValidationFailed
from fundtrack.i18n import msg, translate
from fundtrack.limits import MAX_RECORDS
from fundtrack.roles import Role
from fundtrack.schemas.common import flatten_errors
from fundtrack.schemas.interchange import FORMAT_NAME, FORMAT_VERSION, NewOrganisation, OrganisationSchema
from fundtrack.services.context import SYSTEM, Acting
from fundtrack.services.interchange.ledger import dump_organisation
from fundtrack.services.interchange.section import Section
from fundtrack.services.interchange.sections import SECTIONS
from fundtrack.services.organisation import create_organisation

M_NOT_MAPPING = msg("interchange.not_mapping")
M_BAD_FORMAT = msg("interchange.bad_format")
M_UNKNOWN_SECTION = msg("interchange.unknown_section")
M_NOT_LIST = msg("interchange.not_list")
M_TOO_MANY_RECORDS = msg("interchange.too_many_records")


def sections() -> list[Section]:
    """The sections of the file, in the order they are written."""
    return list(SECTIONS)


def parse_text(text: str, filename: str = "") -> Any:
    """Parse JSON (``.json`` or text starting with ``{``) or YAML, numbers read exactly.

    A BOM is skipped. The limits of :mod:`fundtrack.files` apply (a key given twice,
    nesting, YAML aliases), and the file may hold at most
    :data:`~fundtrack.limits.MAX_RECORDS` records. Raises :class:`InputError`.
    """
    text = text.removeprefix("\ufeff")
    if filename.endswith(".json") or text.lstrip().startswith("{"):
        document = files.parse_json(text)
    else:
        document = files.parse_yaml(text)
    count = record_count(document)
    if count > MAX_RECORDS:
        raise InputError(M_TOO_MANY_RECORDS, count=count, limit=MAX_RECORDS)
    return document


def read_file(path: Path) -> Any:
    """Read and parse an interchange file (at most :data:`~fundtrack.limits.MAX_FILE_BYTES`, UTF-8)."""
    return parse_text(files.read_text(path), path.name)


def validate(document: Any) -> tuple[NewOrganisation, dict[str, list[Any]]]:
    """Validate a parsed document; return the organisation and each section's records.

    Raises :class:`ValidationFailed` with every error found, each with its path.
    """
    organisation, records, errors = _check(document)
    if errors or organisation is None:
        raise ValidationFailed(errors)
    return organisation, {key: [record for _, record in items] for key, items in records.items()}


def _check(document: Any) -> tuple[NewOrganisation | None, dict[str, list[tuple[int, Any]]], list[FieldError]]:
    """The organisation (None if invalid), each section's valid records with their index, and the errors.

    Records are checked one by one so that the valid ones can still be tried against
    the database, and the errors of both steps be listed at once.
    """
    if not isinstance(document, dict):
        raise ValidationFailed([FieldError("", M_NOT_MAPPING)])
    errors: list[FieldError] = []
    if document.get("format") != FORMAT_NAME or document.get("version") != FORMAT_VERSION:
        value = f"{document.get('format')} {document.get('version')}"
        errors.append(FieldError("format", M_BAD_FORMAT, (("value", value), ("version", FORMAT_VERSION))))
    known = {s.key: s for s in sections()}
    for key in document:
        if key not in known and key not in ("format", "version", "organisation"):
            errors.append(FieldError(str(key), M_UNKNOWN_SECTION, (("known", ", ".join(known)),)))
    organisation: NewOrganisation | None = None
    try:
        organisation = OrganisationSchema().load(document.get("organisation") or {})
    except Exception as exc:  # marshmallow.ValidationError
        errors.extend(flatten_errors(getattr(exc, "messages", str(exc)), "organisation"))
    records: dict[str, list[tuple[int, Any]]] = {}
    for key, section in known.items():
        raw = document.get(key, [])
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            errors.append(FieldError(key, M_NOT_LIST))
            continue
        schema = section.schema()
        records[key] = []
        for index, item in enumerate(raw):
            try:
                records[key].append((index, schema.load(item)))
            except Exception as exc:  # marshmallow.ValidationError
                errors.extend(flatten_errors(getattr(exc, "messages", str(exc)), f"{key}[{index}]"))
    return organisation, records, errors


def load_document(
    session: Session,
    document: Any,
    progress: Callable[[int], object] | None = None,
    *,
    actor: str = SYSTEM,
    role: Role = Role.TREASURER,
) -> Acting:
    """Write a whole document into ``session`` (the caller's transaction).

    ``progress``, if given, is called with the number of records written since its
    last call, for a progress display on large files.

    All or nothing is the caller's transaction: on :class:`ValidationFailed` the caller
    rolls back. Every record is tried so that every error is listed at once: those of
    the file's form and those found against the database (an unknown funder...). A
    record that only names a refused one (the allocations of a refused grant) is not
    reported again: fixing the first error fixes it.
    """
    organisation_data, records, errors = _check(document)
    if organisation_data is None:
        raise ValidationFailed(errors)
    # names of refused records: a later record that names one is not reported again
    refused = {key for key in (_refused_key(document, e.path) for e in errors) if key is not None}
    acting = create_organisation(session, organisation_data, actor=actor, role=role)
    for section in sections():
        for index, record in records.get(section.key, []):
            try:
                with session.begin_nested():
                    section.write(session, acting, record)
            except InputError as exc:
                consequence = isinstance(exc, NotFound) and refused.intersection(map(str, exc.params.values()))
                if not consequence:
                    errors.extend(ValidationFailed.from_errors([exc], f"{section.key}[{index}]").errors)
                key = _record_key(document[section.key][index])
                if key is not None:
                    refused.add(key)
            if progress is not None:
                progress(1)
    if errors:
        raise ValidationFailed(sorted(errors, key=lambda e: _position(e.path)))
    session.flush()
    return acting


def _record_key(raw: Any) -> str | None:
    """The name other records use for ``raw`` (a grant's reference, a funder's name...)."""
    if isinstance(raw, dict):
        for field in ("reference", "key", "name", "code"):
            if isinstance(raw.get(field), str):
                return str(raw[field])
    return None


def _refused_key(document: Any, path: str) -> str | None:
    section, _, rest = path.partition("[")
    index = rest.partition("]")[0]
    if not index.isdigit() or not isinstance(document, dict) or not isinstance(document.get(section), list):
        return None
    items = document[section]
    return _record_key(items[int(index)]) if int(index) < len(items) else None


def _position(path: str) -> tuple[int, int]:
    """Where an error's record sits in the file, to list errors in the file's order."""
    order = {s.key: i for i, s in enumerate(sections())}
    key, _, rest = path.partition("[")
    index = rest.partition("]")[0]
    return (order.get(key, -1), int(index) if index.isdigit() else -1)


def record_count(document: Any) -> int:
    """How many records of the registered sections a parsed document holds."""
    if not isinstance(document, dict):
        return 0
    return sum(len(document.get(s.key) or []) for s in sections() if isinstance(document.get(s.key), list))


def dump_document(session: Session, acting: Acting) -> dict[str, Any]:
    """The organisation's whole dataset, in the interchange format."""
    document: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION}
    document["organisation"] = dump_organisation(acting.organisation(session))
    for section in sections():
        document[section.key] = section.dump(session, acting)
    return document


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def error_lines(exc: ValidationFailed) -> list[str]:
    return [translate("error.field_prefix", field=e.path, message=e.message()) for e in exc.errors]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the interchange file, every registered section included."""
    from fundtrack.schemas.jsonschema import interchange_json_schema

    return interchange_json_schema([(s.key, s.schema()) for s in sections()])

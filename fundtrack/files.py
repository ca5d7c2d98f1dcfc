"""Reading the files people give fundtrack, safely: whatever the file holds, a message, never a traceback.

- :func:`read_text` reads at most :data:`~fundtrack.limits.MAX_FILE_BYTES` bytes and
  decodes UTF-8 with or without a BOM (and UTF-16 with one); a CSV may also be in
  Windows-1252, as Excel writes it in French on Windows.
- :func:`parse_json` and :func:`parse_yaml` read numbers exactly (a number with a point
  is a Decimal, never a float; exponent notation, ``NaN`` and infinities stay text for
  the fields to refuse), refuse a key given twice, nesting deeper than
  :data:`~fundtrack.limits.MAX_DEPTH` levels and YAML aliases that would repeat more than
  :data:`~fundtrack.limits.MAX_ALIAS_VALUES` values, all before anything is built.
- :func:`csv_rows` reads CSV text (comma, semicolon or tab) and refuses cells over the
  csv module's limit, control characters and more than
  :data:`~fundtrack.limits.MAX_RECORDS` rows.

Every refusal is an :class:`~fundtrack.errors.InputError` that says which file and where.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.limits import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_FILE_BYTES, MAX_RECORDS, control_character

M_NOT_FOUND = msg("files.not_found")
M_IS_DIRECTORY = msg("files.is_directory")
M_DENIED = msg("files.denied")
M_UNREADABLE = msg("files.unreadable")
M_TOO_LARGE = msg("files.too_large")
M_ENCODING = msg("files.encoding")
M_CSV_ENCODING = msg("files.csv_encoding")
M_NOT_JSON = msg("files.not_json")
M_NOT_YAML = msg("files.not_yaml")
M_DUPLICATE_KEY = msg("files.duplicate_key")
M_DUPLICATE_KEY_IN = msg("files.duplicate_key_in")
M_DUPLICATE_KEY_JSON = msg("files.duplicate_key_json")
M_TOO_DEEP = msg("files.too_deep")
M_ALIASES = msg("files.aliases")
M_RECURSIVE_ALIAS = msg("files.recursive_alias")
M_CSV_CELL = msg("files.csv_cell")
M_CSV_CONTROL = msg("files.csv_control")
M_CSV_INVALID = msg("files.csv_invalid")
M_TOO_MANY_ROWS = msg("files.too_many_rows")

# an integer longer than this stays text: Python refuses to read one of more than 4300 digits
_MAX_DIGITS = 4000


# --- reading and decoding ---------------------------------------------------------------


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them, or :class:`InputError` saying why not."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)  # a device or a growing file is never read whole
    except FileNotFoundError:
        raise InputError(M_NOT_FOUND, path=str(path)) from None
    except IsADirectoryError:
        raise InputError(M_IS_DIRECTORY, path=str(path)) from None
    except PermissionError:
        raise InputError(M_DENIED, path=str(path)) from None
    except OSError as exc:
        raise InputError(M_UNREADABLE, path=str(path), detail=exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise InputError(M_TOO_LARGE, path=str(path), limit=_megabytes(limit))
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def decode(data: bytes, path: Path | str = "", *, windows_1252: bool = False) -> str:
    """Text from ``data``: UTF-8 with or without a BOM, UTF-16 with a BOM.

    With ``windows_1252`` (a CSV file), text that is not UTF-8 is read as Windows-1252;
    otherwise, or if it is not Windows-1252 either, :class:`InputError` says which line
    and how to save the file.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(M_ENCODING, path=str(path), line=_line_of(data, exc.start)) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
    if windows_1252:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(M_CSV_ENCODING, path=str(path), line=line) from None
    raise InputError(M_ENCODING, path=str(path), line=line)


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def read_text(path: Path, *, windows_1252: bool = False) -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path), path, windows_1252=windows_1252)


# --- JSON -----------------------------------------------------------------------------------

# a JSON string (skipped) or a bracket (counted): nesting is measured before parsing
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def parse_json(text: str) -> Any:
    """Parse JSON, numbers read exactly, a key given twice or nesting too deep refused."""
    text = text.removeprefix("\ufeff")
    _check_json_depth(text)
    try:
        return json.loads(
            text,
            parse_float=_json_float,
            parse_int=_json_int,
            parse_constant=str,  # NaN, Infinity: text, which no field takes
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise InputError(M_NOT_JSON, detail=f"{exc.msg} (ligne/line {exc.lineno}, col {exc.colno})") from None
    except RecursionError:  # the scan above makes this unreachable; kept as a last guard
        raise InputError(M_TOO_DEEP, limit=MAX_DEPTH, line="?") from None


def _check_json_depth(text: str) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(M_TOO_DEEP, limit=MAX_DEPTH, line=text.count("\n", 0, match.start()) + 1)
        elif token in "]}":
            depth -= 1


def _json_float(text: str) -> Decimal | str:
    return text if "e" in text or "E" in text else Decimal(text)


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= _MAX_DIGITS else text


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            owner = _owner(pairs)
            if owner is None:
                raise InputError(M_DUPLICATE_KEY_JSON, key=key)
            raise InputError(M_DUPLICATE_KEY_IN, key=key, owner=owner)
        result[key] = value
    return result


def _owner(pairs: list[tuple[str, Any]]) -> str | None:
    """How the object is known (its name, reference, key or code), to say where a key repeats."""
    for field in ("reference", "key", "name", "code"):
        for key, value in pairs:
            if key == field and isinstance(value, str):
                return value
    return None


# --- YAML -----------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML with the limits: numbers exact, dates as text, no key twice, bounded depth and aliases.

    The composer is recursive, so depth is counted as nodes are composed; each node's
    size (aliases expanded) is known once its children are, so an alias that would
    repeat too much is refused before any Python object is built.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._repeated = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark is not None else "?"
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # the alias names a node it is inside of
                raise InputError(M_RECURSIVE_ALIAS, name=event.anchor, line=line)
            self._repeated += size
            if self._repeated > MAX_ALIAS_VALUES:
                raise InputError(M_ALIASES, limit=MAX_ALIAS_VALUES, line=line)
            return node
        if isinstance(event, yaml.ScalarEvent):
            node = super().compose_node(parent, index)
            self._sizes[id(node)] = 1
            return node
        self._depth += 1  # a list or a mapping: one level deeper
        if self._depth > MAX_DEPTH:
            raise InputError(M_TOO_DEEP, limit=MAX_DEPTH, line=line)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._sizes[id(node)] = self._size(node)
        return node

    def _size(self, node: Node) -> int:
        if isinstance(node, SequenceNode):
            return 1 + sum(self._sizes.get(id(child), 1) for child in node.value)
        if isinstance(node, MappingNode):
            return 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        return 1

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    raise InputError(M_DUPLICATE_KEY, key=key, line=key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[arg-type]


def _yaml_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if "e" in text or "E" in text:
        return text  # exponent notation: text, which the amount and rate fields refuse by name
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:  # .inf, .nan, 1:30.5 (sexagesimal)
        return text
    return value if value.is_finite() else text


def _yaml_int(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if len(text) > _MAX_DIGITS:
        return text
    return int(yaml.SafeLoader.construct_yaml_int(loader, node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str) -> Any:
    """Parse YAML safely (see :class:`_Loader`); a syntax error says its line and column."""
    try:
        return yaml.load(text.removeprefix("\ufeff"), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (ligne/line {mark.line + 1}, col {mark.column + 1})" if mark is not None else ""
        raise InputError(M_NOT_YAML, detail=f"{exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise InputError(M_NOT_YAML, detail=str(exc).replace("\n", " ")) from None


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(text: str) -> list[list[str]]:
    """The rows of CSV text, the delimiter (comma, semicolon or tab) detected.

    Raises :class:`InputError` naming the line for a cell longer than the csv module's
    limit (often a quote that is never closed), a control character (tabs and line
    breaks inside a cell aside), a malformed line, or more than
    :data:`~fundtrack.limits.MAX_RECORDS` rows.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return []
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_RECORDS + 1:  # the header row and MAX_RECORDS rows
                raise InputError(M_TOO_MANY_ROWS, limit=MAX_RECORDS)
            _check_cells(row, reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        detail = str(exc)
        if "field larger than field limit" in detail:
            raise InputError(M_CSV_CELL, line=reader.line_num, limit=csv.field_size_limit()) from None
        if "NUL" in detail:
            raise InputError(M_CSV_CONTROL, line=reader.line_num, column="?", char="U+0000") from None
        raise InputError(M_CSV_INVALID, line=reader.line_num, detail=detail) from None
    return rows


def _check_cells(row: list[str], line: int) -> None:
    for column, cell in enumerate(row, start=1):
        if cell.isprintable():
            continue
        position = control_character(cell, multiline=True)
        if position is not None:
            raise InputError(M_CSV_CONTROL, line=line, column=column, char=f"U+{ord(cell[position]):04X}")

"""The interchange file: the whole dataset of one organisation as JSON or YAML.

:mod:`.document` reads, validates, loads and dumps a file; :mod:`.sections` lists its
sections in order; :mod:`.ledger`, :mod:`.budgets` and :mod:`.staffing` write and dump
each area's sections.
"""

from fundtrack.services.interchange.document import (
    dump_document,
    error_lines,
    json_schema,
    load_document,
    parse_text,
    read_file,
    record_count,
    sections,
    to_json,
    to_yaml,
    validate,
)
from fundtrack.services.interchange.section import Section

__all__ = [
    "Section",
    "dump_document",
    "error_lines",
    "json_schema",
    "load_document",
    "parse_text",
    "read_file",
    "record_count",
    "sections",
    "to_json",
    "to_yaml",
    "validate",
]

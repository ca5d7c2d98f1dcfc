"""Maintenance of the catalogue: add texts, compile the ``.po`` files into the ``.mo`` files.

``python -m fundtrack.i18n_tools`` (or ``make catalogue``) after editing a ``.po`` file;
a test fails while a ``.mo`` file is older than its ``.po`` in content.

``python -m fundtrack.i18n_tools add CODE FRENCH ENGLISH [CODE FRENCH ENGLISH ...]`` adds
(or replaces) codes in both languages, keeps each file sorted by code, and compiles.
``python -m fundtrack.i18n_tools merge FILE.po`` resolves a merge conflict in a ``.po`` file:
every entry of both sides is kept (the incoming side wins for a code both changed).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from fundtrack.i18n import DOMAIN, LANGUAGES, LOCALE_DIR


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def read_catalogue(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def compiled(lang: str) -> bytes:
    """The ``.mo`` bytes of ``lang``'s ``.po`` file."""
    out = io.BytesIO()
    write_mo(out, read_catalogue(lang), use_fuzzy=False)
    return out.getvalue()


def compile_catalogues() -> list[Path]:
    """Write every language's ``.mo`` file; return those that changed."""
    changed = []
    for lang in LANGUAGES:
        data = compiled(lang)
        path = mo_path(lang)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path)
    return changed


def _write_sorted(catalog: Catalog, path: Path) -> None:
    """Write ``catalog``'s entries to ``path`` sorted by code, under the file's own header."""
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    out = io.BytesIO()
    write_po(out, catalog, width=0, sort_output=True, omit_header=True)
    path.write_text(header + "\n\n" + out.getvalue().decode("utf-8"), encoding="utf-8")


def add_texts(entries: list[tuple[str, str, str]]) -> None:
    """Add or replace ``(code, french, english)`` entries in both catalogues, then compile."""
    for lang in LANGUAGES:
        catalog = read_catalogue(lang)
        for code, *texts in entries:
            text = dict(zip(("fr", "en"), texts, strict=True))[lang]
            catalog.delete(code)
            catalog.add(code, text)
        _write_sorted(catalog, po_path(lang))
    compile_catalogues()


def merge_conflict(path: Path) -> None:
    """Resolve git conflict markers in ``path``: the union of both sides' entries."""
    text = path.read_text(encoding="utf-8")
    ours, theirs = [], []
    side = None
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<<"):
            side = "ours"
        elif line.startswith("=======") and side == "ours":
            side = "theirs"
        elif line.startswith(">>>>>>>"):
            side = None
        elif side == "ours":
            ours.append(line)
        elif side == "theirs":
            theirs.append(line)
        else:
            ours.append(line)
            theirs.append(line)
    lang = path.parent.parent.name
    merged = read_po(io.StringIO("".join(ours)), locale=lang, domain=DOMAIN)
    for message in read_po(io.StringIO("".join(theirs)), locale=lang, domain=DOMAIN):
        if message.id:
            merged.delete(message.id)
            merged[message.id] = message
    path.write_text("".join(ours), encoding="utf-8")  # keeps the header comment for the writer
    _write_sorted(merged, path)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["add"]:
        rest = args[1:]
        if not rest or len(rest) % 3:
            sys.exit("usage: python -m fundtrack.i18n_tools add CODE FRENCH ENGLISH [...]")
        add_texts([(rest[i], rest[i + 1], rest[i + 2]) for i in range(0, len(rest), 3)])
    elif args[:1] == ["merge"]:
        for name in args[1:]:
            merge_conflict(Path(name))
        compile_catalogues()
    for path in compile_catalogues():
        print(f"compiled {path}", file=sys.stderr)

"""Maintenance of the catalogue: compile the ``.po`` files into the ``.mo`` files read at run time.

``python -m fundtrack.i18n_tools`` (or ``make catalogue``) after editing a ``.po`` file;
a test fails while a ``.mo`` file is older than its ``.po`` in content.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

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


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"compiled {path}", file=sys.stderr)

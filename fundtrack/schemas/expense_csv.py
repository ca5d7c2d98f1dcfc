"""The CSV format of a month of expenses, as a treasurer's spreadsheet writes it.

Headers may be French or English (compared without accents, case or punctuation), or
mapped (field → header); the delimiter (comma, semicolon or tab) is detected. Amounts
are read as people write them (``1 234,56 $``, ``1,234.56``); dates as ``2026-04-15`` or
``15/04/2026``. A ``grant`` column charges the whole net cost to that grant; empty or
``auto`` splits automatically; ``fonds propres`` / ``own funds`` leaves it to own funds.
Each row becomes a :class:`~fundtrack.schemas.budgets.NewExpense`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from fundtrack import files
from fundtrack.errors import FieldError, InputError, ValidationFailed
from fundtrack.i18n import msg
from fundtrack.limits import check_date
from fundtrack.money import parse_money
from fundtrack.schemas.budgets import NewCharge, NewExpense

M_BAD_DATE = msg("expense.csv_date")
M_MISSING_COLUMN = msg("expense.csv_missing_column")
M_UNKNOWN_FIELD = msg("expense.csv_unknown_field")
M_UNKNOWN_HEADER = msg("expense.csv_unknown_header")
M_BAD_METHOD = msg("expense.csv_method")
M_REQUIRED = msg("expense.csv_required")
M_ROW = msg("expense.csv_row")

AUTO = "auto"
OWN = "own"

# field → headers it is recognised by (compared without accents, case or punctuation)
HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "date de la depense", "expense date"),
    "payee": ("fournisseur", "beneficiaire", "payee", "vendor", "supplier"),
    "description": ("description", "libelle", "objet"),
    "project": ("projet", "project"),
    "category": ("categorie", "category", "poste"),
    "line": ("ligne", "ligne budgetaire", "line", "budget line"),
    "pre_tax": ("montant avant taxes", "avant taxes", "montant", "pre tax", "pretax", "amount before tax", "amount"),
    "gst": ("tps", "gst"),
    "qst": ("tvq", "qst"),
    "payment_method": ("mode de paiement", "paiement", "payment method", "payment"),
    "receipt_reference": ("piece", "no de piece", "numero de piece", "recu", "receipt", "receipt reference"),
    "grant": ("subvention", "entente", "grant", "imputation", "charge to"),
}
REQUIRED = ("date", "payee", "project", "category", "pre_tax")

METHODS: dict[str, str] = {
    "cheque": "cheque",
    "virement": "transfer",
    "transfer": "transfer",
    "carte": "card",
    "carte de credit": "card",
    "card": "card",
    "credit card": "card",
    "debit": "debit",
    "prelevement": "debit",
    "comptant": "cash",
    "cash": "cash",
    "autre": "other",
    "other": "other",
}
OWN_WORDS = {"fonds propres", "own funds", "own", "aucune", "none"}


def norm(text: str) -> str:
    """``text`` without accents, case or punctuation (``Montant avant taxes`` → ``montant avant taxes``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def read_rows(text: str) -> list[list[str]]:
    """The rows of the CSV text (a byte-order mark ignored, the delimiter detected), within the
    limits of :func:`fundtrack.files.csv_rows`."""
    return files.csv_rows(text)


def column_map(headers: Sequence[str], mapping: Mapping[str, str] | None = None) -> dict[str, int]:
    """Which column holds each field: ``mapping`` (field → header) first, then known headers.

    Raises :class:`ValidationFailed` for a mapped field that is not a field of the format,
    a mapped header the file does not have, and each required field without a column.
    """
    normed = [norm(h) for h in headers]
    out: dict[str, int] = {}
    errors: list[FieldError] = []
    for fld, header in (mapping or {}).items():
        if fld not in HEADERS:
            errors.append(FieldError(f"--map {fld}", M_UNKNOWN_FIELD, (("field", fld), ("fields", ", ".join(HEADERS)))))
        elif norm(header) not in normed:
            errors.append(
                FieldError(f"--map {fld}", M_UNKNOWN_HEADER, (("header", header), ("headers", ", ".join(headers))))
            )
        else:
            out[fld] = normed.index(norm(header))
    for fld, names in HEADERS.items():
        if fld in out:
            continue
        for name in names:
            if name in normed and normed.index(name) not in out.values():
                out[fld] = normed.index(name)
                break
    errors += [
        FieldError(f, M_MISSING_COLUMN, (("field", f), ("headers", ", ".join(headers))))
        for f in REQUIRED
        if f not in out
    ]
    if errors:
        raise ValidationFailed(errors)
    return out


def parse_csv_date(text: str, field: str) -> date:
    value = text.strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        if m:
            return check_date(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), field)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            return check_date(date(int(m.group(3)), int(m.group(2)), int(m.group(1))), field)
    except ValueError:
        pass
    raise InputError(M_BAD_DATE, field=field, value=text)


def _method(value: str, fld: str) -> str:
    method = METHODS.get(norm(value))
    if method is None:
        raise InputError(M_BAD_METHOD, field=fld, value=value, choices=", ".join(sorted(set(METHODS))))
    return method


def _text(value: str, fld: str) -> str:
    return value


PARSERS: dict[str, Callable[[str, str], Any]] = {
    "date": parse_csv_date,
    "payee": _text,
    "description": _text,
    "project": _text,
    "category": _text,
    "line": _text,
    "pre_tax": lambda v, f: parse_money(v, "fr", f),
    "gst": lambda v, f: parse_money(v, "fr", f),
    "qst": lambda v, f: parse_money(v, "fr", f),
    "payment_method": _method,
    "receipt_reference": _text,
    "grant": _text,
}


def row_expense(cells: Mapping[str, str], row_label: str) -> tuple[NewExpense, str | None]:
    """The expense of one row and the grant it names (None: automatic or own funds, as
    ``charge`` says). The whole net cost goes to a named grant, so its amount is left to
    the caller, who knows the net cost. Raises :class:`ValidationFailed` listing every
    bad cell of the row."""
    errors: list[InputError] = []
    data: dict[str, Any] = {}
    for fld, parse in PARSERS.items():
        raw = cells.get(fld, "").strip()
        if not raw:
            if fld in REQUIRED:
                errors.append(InputError(M_REQUIRED, field=fld))
            continue
        try:
            data[fld] = parse(raw, fld)
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise ValidationFailed.from_errors(errors, row_label)
    grant = data.pop("grant", None)
    charge = AUTO
    if grant is not None and norm(grant) in OWN_WORDS:
        charge, grant = OWN, None
    elif grant is not None and norm(grant) == AUTO:
        grant = None
    expense = NewExpense(
        description=data.get("description") or data["payee"],
        charge=charge,
        **{k: v for k, v in data.items() if k != "description"},
    )
    return expense, grant


def charged_whole(expense: NewExpense, grant: str, net_cost: Decimal) -> NewExpense:
    """``expense`` with its whole net cost charged to ``grant``."""
    return replace(expense, charge=None, charges=(NewCharge(grant, net_cost),))

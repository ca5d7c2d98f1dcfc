"""A month of expenses imported from a CSV file: all or nothing.

Every row is tried (each in a savepoint), so that every bad row is listed at once with
its row number and field; the caller rolls the whole file back if any is refused. A row
with the date, pre-tax amount and payee of an expense already recorded, or of an
earlier row of the same file, is a likely duplicate: reported and skipped unless forced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.taxes import compute_taxes
from fundtrack.errors import FieldError, InputError, ValidationFailed
from fundtrack.i18n import Lang, msg, translate
from fundtrack.models import Expense
from fundtrack.money import ZERO, shown
from fundtrack.queries.charges import standing
from fundtrack.roles import Action
from fundtrack.schemas.expense_csv import M_ROW, charged_whole, column_map, norm, read_rows, row_expense
from fundtrack.services.context import Acting
from fundtrack.services.expenses import ExpenseBatch, record_expense

M_EMPTY_FILE = msg("expense.csv_empty")
M_DUPLICATE = msg("expense.duplicate")
M_REPEATED = msg("expense.repeated_row")

Key = tuple[date, Decimal, str]


@dataclass(frozen=True)
class SkippedRow:
    """A likely duplicate: of an expense already recorded, or of row ``earlier_row`` of the file."""

    row: int
    day: date
    payee: str
    amount: Decimal
    earlier_row: int | None = None


@dataclass
class ImportReport:
    """The expenses created (ids), their total net cost, and the likely duplicates skipped."""

    created: list[int] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    net_cost: Decimal = ZERO
    warnings: list[InputError] = field(default_factory=list)  # rows recorded that deserve a second look


def import_csv(
    session: Session, acting: Acting, text: str, mapping: Mapping[str, str] | None = None, force: bool = False
) -> ImportReport:
    """Import expenses from CSV text (see :mod:`fundtrack.schemas.expense_csv`): all or nothing.

    Raises :class:`ValidationFailed` listing every bad row (``ligne 3.pre_tax: ...``); the
    caller's transaction must then be rolled back.
    """
    acting.require(session, Action.MONEY)
    rows = read_rows(text)
    if not rows:
        raise ValidationFailed([FieldError("", M_EMPTY_FILE)])
    headers, body = rows[0], rows[1:]
    columns = column_map(headers, mapping)
    report = ImportReport()
    errors: list[FieldError] = []
    recorded = _existing_keys(session, acting) if not force else set()
    in_file: dict[Key, int] = {}
    batch = ExpenseBatch(session, acting)
    for number, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        label = translate(M_ROW, row=number)
        values = {fld: cells[i] if i < len(cells) else "" for fld, i in columns.items()}
        try:
            expense, grant = row_expense(values, label)
            key = (expense.date, expense.pre_tax, norm(expense.payee))
            if not force and (key in recorded or key in in_file):
                report.skipped.append(
                    SkippedRow(number, expense.date, expense.payee, expense.pre_tax, in_file.get(key))
                )
                continue
            in_file[key] = number
            if grant is not None:
                taxes = compute_taxes(expense.pre_tax, batch.rates, gst=expense.gst, qst=expense.qst)
                expense = charged_whole(expense, grant, taxes.net_cost)
            before = len(batch.warnings)
            with session.begin_nested():
                row = record_expense(session, acting, expense, batch)
            report.warnings += [
                InputError(w.code, field=f"{label}.{w.field}" if w.field else label, **w.params)
                for w in batch.warnings[before:]
            ]
            report.created.append(row.id)
            report.net_cost += row.net_cost
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.extend(ValidationFailed.from_errors([exc], label).errors)
    if errors:
        raise ValidationFailed(errors)
    return report


def _existing_keys(session: Session, acting: Acting) -> set[Key]:
    """(date, pre-tax, payee) of the organisation's expenses that stand (not reversed)."""
    query = select(Expense.expense_date, Expense.pre_tax, Expense.payee).where(
        Expense.organisation_id == acting.organisation_id, standing()
    )
    return {(d, a, norm(p)) for d, a, p in session.execute(query)}


def duplicate_message(skipped: SkippedRow, lang: Lang | None = None) -> InputError:
    """The warning for a likely duplicate skipped: already recorded, or repeated in the file."""
    return InputError(
        M_DUPLICATE if skipped.earlier_row is None else M_REPEATED,
        field=translate(M_ROW, lang, row=skipped.row),
        payee=skipped.payee,
        amount=shown(skipped.amount),
        day=skipped.day.isoformat(),
        earlier=skipped.earlier_row,
    )

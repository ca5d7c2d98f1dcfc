"""The payroll parameters: the tables shipped with fundtrack, and the treasurer's own edits.

Reading never writes: a year the organisation has not edited is the shipped table's.
Changing a parameter (the organisation's own CNESST rate, a year not shipped yet) writes
that year's table for the organisation, checked as a whole before it is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.calc.payroll import PayrollRates, RateBook
from fundtrack.errors import InputError
from fundtrack.i18n import msg
from fundtrack.models import Organisation
from fundtrack.models.staffing import PayrollRateTable
from fundtrack.queries.lookups import check_revision
from fundtrack.queries.scope import Scope
from fundtrack.rates import PARAMETERS, shipped_rates
from fundtrack.roles import Action
from fundtrack.schemas.staffing import RatesChange
from fundtrack.services.context import Acting

M_NEW_YEAR_NEEDS_ALL = msg("staffing.rates_new_year")


def _rows(session: Session, organisation_id: int) -> dict[int, PayrollRateTable]:
    query = select(PayrollRateTable).where(PayrollRateTable.organisation_id == organisation_id)
    return {row.year: row for row in session.scalars(query)}


def payroll_tables(session: Session, scope: Scope) -> list[PayrollRates]:
    """Every year's parameters, by year: the organisation's own tables over the shipped ones."""
    tables = dict(shipped_rates())
    tables.update({year: rates_of(row) for year, row in _rows(session, scope.organisation_id).items()})
    return [tables[year] for year in sorted(tables)]


def set_payroll_rates(
    session: Session, acting: Acting, cmd: RatesChange, revision: int | None = None
) -> PayrollRateTable:
    """Change some parameters of one year (the treasurer's edit), or add a year with all of them.

    ``revision`` is that of the organisation's table for the year, when the author read one.
    """
    acting.require(session, Action.PAYROLL_RATES)
    row = _rows(session, acting.organisation_id).get(cmd.year)
    if row is None:
        base = shipped_rates().get(cmd.year)
        if base is None:
            missing = [p for p in PARAMETERS if cmd.value(p) is None]
            if missing:
                raise InputError(M_NEW_YEAR_NEEDS_ALL, field=missing[0], year=cmd.year, missing=", ".join(missing))
        row = PayrollRateTable(organisation_id=acting.organisation_id, year=cmd.year)
        if base is not None:
            _fill(row, base)
        else:
            row.cnesst_placeholder, row.sources = False, {}
        session.add(row)
    else:
        check_revision(row, revision, str(cmd.year))
    values: dict[str, Any] = {p: cmd.value(p) if cmd.value(p) is not None else getattr(row, p) for p in PARAMETERS}
    PayrollRates(year=cmd.year, **values)  # raises InputError on inconsistent values
    for name, value in values.items():
        setattr(row, name, value)
    if cmd.cnesst_rate is not None:
        row.cnesst_placeholder = False
    row.sources = {**(row.sources or {}), **cmd.sources}
    row.edited = True
    session.flush()
    return row


def rate_book(session: Session, scope: Scope) -> RateBook:
    """The organisation's parameters, with its own CNESST rate in every year whose rate is
    still the provincial average."""
    book = RateBook.of(payroll_tables(session, scope))
    org = session.get_one(Organisation, scope.organisation_id)
    if org.cnesst_rate is not None:
        book = book.with_cnesst({t.year: org.cnesst_rate for t in book.tables if t.cnesst_placeholder})
    return book


def _fill(row: PayrollRateTable, rates: PayrollRates) -> None:
    for name in PARAMETERS:
        setattr(row, name, getattr(rates, name))
    row.cnesst_placeholder = rates.cnesst_placeholder
    row.sources = dict(rates.sources)


def rates_of(row: PayrollRateTable) -> PayrollRates:
    values = {name: getattr(row, name) for name in PARAMETERS}
    return PayrollRates(
        year=row.year,
        cnesst_placeholder=row.cnesst_placeholder,
        sources=tuple(sorted((row.sources or {}).items())),
        **values,
    )

"""Grants: what is charged, received, scheduled and given to positions stays within them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from fundtrack.models import ExpenseCharge, Grant, GrantScheduleEntry, Instalment, InstalmentReceipt, ScheduleBasis
from fundtrack.models.ledger import grant_eligible_categories
from fundtrack.models.staffing import PositionFunding, PositionFundingAmount
from fundtrack.money import from_cents
from fundtrack.queries.integrity import Breach, Check


def _over_grant(session: Session, rule: str, total: Any, *joins: Any, where: Any = None) -> Iterator[Breach]:
    """Grants whose ``total`` (summed over ``joins``) exceeds their amount."""
    query = select(Grant.id, Grant.reference, Grant.amount, total).select_from(Grant)
    for target, on in joins:
        query = query.join(target, on)
    if where is not None:
        query = query.where(where)
    query = query.group_by(Grant.id, Grant.reference, Grant.amount).having(total > Grant.amount).order_by(Grant.id)
    for grant_id, reference, amount, found in session.execute(query):
        yield Breach(rule, "grant", grant_id, reference, (("amount", amount), ("total", found)))


def charged_within_grant(session: Session) -> Iterator[Breach]:
    """What is charged to a grant (charges and their reversals) never exceeds its amount."""
    total = func.sum(ExpenseCharge.amount)
    return _over_grant(session, "charged_over_grant", total, (ExpenseCharge, ExpenseCharge.grant_id == Grant.id))


def received_within_grant(session: Session) -> Iterator[Breach]:
    """What is received on a grant (every receipt of its instalments) never exceeds its amount."""
    total = func.sum(InstalmentReceipt.amount)
    return _over_grant(
        session,
        "received_over_grant",
        total,
        (Instalment, Instalment.grant_id == Grant.id),
        (InstalmentReceipt, InstalmentReceipt.instalment_id == Instalment.id),
    )


def instalments_within_grant(session: Session) -> Iterator[Breach]:
    """A grant's instalments, as expected, never add up to more than its amount."""
    total = func.sum(Instalment.expected_amount)
    return _over_grant(session, "instalments_over_grant", total, (Instalment, Instalment.grant_id == Grant.id))


def positions_within_grant(session: Session) -> Iterator[Breach]:
    """What a grant gives the staffing plan's positions never exceeds its amount."""
    total = func.sum(PositionFundingAmount.amount)
    return _over_grant(
        session,
        "position_funding_over_grant",
        total,
        (PositionFunding, PositionFunding.grant_id == Grant.id),
        (PositionFundingAmount, PositionFundingAmount.funding_id == PositionFunding.id),
        where=PositionFunding.position_id.is_not(None),
    )


def receipts_add_up(session: Session) -> Iterator[Breach]:
    """An instalment's received amount is the sum of its receipts."""
    received = func.coalesce(func.sum(InstalmentReceipt.amount), 0)
    query = (
        select(Instalment.id, Grant.reference, Instalment.expected_date, Instalment.received_amount, received)
        .select_from(Instalment)
        .join(Grant, Grant.id == Instalment.grant_id)
        .outerjoin(InstalmentReceipt, InstalmentReceipt.instalment_id == Instalment.id)
        .group_by(Instalment.id, Grant.reference, Instalment.expected_date, Instalment.received_amount)
        .having(func.coalesce(Instalment.received_amount, 0) != received)
        .order_by(Instalment.id)
    )
    for instalment_id, reference, expected, recorded, total in session.execute(query):
        params = (("received", recorded if recorded is not None else "—"), ("receipts", _money(total)))
        yield Breach("receipts_sum", "instalment", instalment_id, f"{reference} · {expected}", params)


def receipts_dated(session: Session) -> Iterator[Breach]:
    """An instalment with receipts is received on the date of its last one."""
    last = func.max(InstalmentReceipt.received_date)
    query = (
        select(Instalment.id, Grant.reference, Instalment.expected_date, Instalment.received_date, last)
        .select_from(Instalment)
        .join(Grant, Grant.id == Instalment.grant_id)
        .join(InstalmentReceipt, InstalmentReceipt.instalment_id == Instalment.id)
        .group_by(Instalment.id, Grant.reference, Instalment.expected_date, Instalment.received_date)
        .having(or_(Instalment.received_date.is_(None), Instalment.received_date != last))
        .order_by(Instalment.id)
    )
    for instalment_id, reference, expected, recorded, latest in session.execute(query):
        params = (("received_date", recorded if recorded is not None else "—"), ("last", latest))
        yield Breach("receipts_date", "instalment", instalment_id, f"{reference} · {expected}", params)


def _money(value: Any) -> Any:
    """A sum the database returned: from ``coalesce(..., 0)`` it may come back as raw cents."""
    return value if isinstance(value, Decimal) else from_cents(int(value))


def schedule_adds_up(session: Session) -> Iterator[Breach]:
    """A grant's explicit schedule adds up to its amount."""
    total = func.sum(GrantScheduleEntry.amount)
    query = (
        select(Grant.id, Grant.reference, Grant.amount, total)
        .join(GrantScheduleEntry, GrantScheduleEntry.grant_id == Grant.id)
        .group_by(Grant.id, Grant.reference, Grant.amount)
        .having(total != Grant.amount)
        .order_by(Grant.id)
    )
    for grant_id, reference, amount, found in session.execute(query):
        yield Breach("schedule_total", "grant", grant_id, reference, (("amount", amount), ("total", found)))


def schedule_within_grant(session: Session) -> Iterator[Breach]:
    """Each period of a grant's schedule overlaps the grant's own period."""
    query = (
        select(
            GrantScheduleEntry.id,
            Grant.reference,
            GrantScheduleEntry.period_start,
            GrantScheduleEntry.period_end,
            Grant.start_date,
            Grant.end_date,
        )
        .join(Grant, Grant.id == GrantScheduleEntry.grant_id)
        .where(or_(GrantScheduleEntry.period_end < Grant.start_date, GrantScheduleEntry.period_start > Grant.end_date))
        .order_by(GrantScheduleEntry.id)
    )
    for entry_id, reference, low, high, start, end in session.execute(query):
        params = (("period", f"{low}:{high}"), ("start", start), ("end", end))
        yield Breach("schedule_outside", "grant_schedule", entry_id, f"{reference} · {low}:{high}", params)


def basis_has_its_rows(session: Session) -> Iterator[Breach]:
    """A grant spread by its schedule has one; a grant that falls by instalments has some."""
    has_schedule = exists().where(GrantScheduleEntry.grant_id == Grant.id)
    has_instalments = exists().where(Instalment.grant_id == Grant.id)
    query = (
        select(Grant.id, Grant.reference, Grant.schedule_basis)
        .where(
            or_(
                and_(Grant.schedule_basis == ScheduleBasis.YEARS, not_(has_schedule)),
                and_(Grant.schedule_basis == ScheduleBasis.INSTALMENTS, not_(has_instalments)),
            )
        )
        .order_by(Grant.id)
    )
    for grant_id, reference, basis in session.execute(query):
        yield Breach("schedule_basis", "grant", grant_id, reference, (("basis", basis.value),))


def restricted_names_categories(session: Session) -> Iterator[Breach]:
    """A restricted grant names at least one eligible category."""
    names_any = exists().where(grant_eligible_categories.c.grant_id == Grant.id)
    query = select(Grant.id, Grant.reference).where(Grant.restricted.is_(True), not_(names_any)).order_by(Grant.id)
    for grant_id, reference in session.execute(query):
        yield Breach("restricted_categories", "grant", grant_id, reference)


CHECKS: tuple[Check, ...] = (
    charged_within_grant,
    received_within_grant,
    instalments_within_grant,
    receipts_add_up,
    receipts_dated,
    schedule_adds_up,
    schedule_within_grant,
    basis_has_its_rows,
    restricted_names_categories,
    positions_within_grant,
)

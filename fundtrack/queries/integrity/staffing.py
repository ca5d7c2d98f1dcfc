"""What grants give positions (of the plan and of scenarios): a grant still sought or
granted, within its period, and one that may pay a position at all."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, exists, not_, or_, select
from sqlalchemy.orm import Session

from fundtrack.calc.staffing import POSITION_CATEGORIES
from fundtrack.models import BudgetCategory, Grant, GrantStatus
from fundtrack.models.ledger import grant_eligible_categories
from fundtrack.models.staffing import PositionFunding, PositionFundingAmount
from fundtrack.queries.integrity import Breach, Check


def _label(funding_id: int, reference: str) -> str:
    return f"{reference} · {funding_id}"


def funding_by_live_grants(session: Session) -> Iterator[Breach]:
    """A declined grant funds no position."""
    query = (
        select(PositionFunding.id, Grant.reference)
        .join(Grant, Grant.id == PositionFunding.grant_id)
        .where(Grant.status == GrantStatus.DECLINED)
        .order_by(PositionFunding.id)
    )
    for funding_id, reference in session.execute(query):
        yield Breach("position_funding_declined", "position_funding", funding_id, _label(funding_id, reference))


def funding_within_grant_period(session: Session) -> Iterator[Breach]:
    """Each period a grant gives a position overlaps the grant's period."""
    query = (
        select(
            PositionFundingAmount.id,
            Grant.reference,
            PositionFundingAmount.period_start,
            PositionFundingAmount.period_end,
            Grant.start_date,
            Grant.end_date,
        )
        .join(PositionFunding, PositionFunding.id == PositionFundingAmount.funding_id)
        .join(Grant, Grant.id == PositionFunding.grant_id)
        .where(
            or_(
                PositionFundingAmount.period_end < Grant.start_date, PositionFundingAmount.period_start > Grant.end_date
            )
        )
        .order_by(PositionFundingAmount.id)
    )
    for amount_id, reference, low, high, start, end in session.execute(query):
        params = (("period", f"{low}:{high}"), ("start", start), ("end", end))
        yield Breach(
            "position_funding_period", "position_funding_amount", amount_id, f"{reference} · {low}:{high}", params
        )


def funding_by_grants_that_pay_positions(session: Session) -> Iterator[Breach]:
    """A restricted grant funds a position only if a position's category (salaries,
    employer contributions, benefits) is among its eligible ones."""
    pays = exists().where(
        grant_eligible_categories.c.grant_id == Grant.id,
        grant_eligible_categories.c.category_id == BudgetCategory.id,
        BudgetCategory.code.in_(POSITION_CATEGORIES),
    )
    query = (
        select(PositionFunding.id, Grant.reference)
        .join(Grant, Grant.id == PositionFunding.grant_id)
        .where(and_(Grant.restricted.is_(True), not_(pays)))
        .order_by(PositionFunding.id)
    )
    for funding_id, reference in session.execute(query):
        yield Breach("position_funding_restricted", "position_funding", funding_id, _label(funding_id, reference))


CHECKS: tuple[Check, ...] = (funding_by_live_grants, funding_within_grant_period, funding_by_grants_that_pay_positions)

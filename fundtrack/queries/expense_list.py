"""What a list of expenses shows of each beyond its own columns: the grants it is charged
to with the amounts (in the order they were charged), and whether a receipt is attached —
for a whole page of expenses in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Integer, String, bindparam, null, select, union_all
from sqlalchemy.orm import Session

from fundtrack.column_types import MoneyType
from fundtrack.models import Attachment, ExpenseCharge, Grant


@dataclass(frozen=True)
class ChargesAndReceipts:
    """Each expense's charges as ``(grant reference, amount)``, and the expenses with a receipt."""

    charges: dict[int, tuple[tuple[str, Decimal], ...]]
    receipts: frozenset[int]


def charges_and_receipts(session: Session, expense_ids: Sequence[int]) -> ChargesAndReceipts:
    """The charges and receipts of the expenses ``expense_ids`` (one statement; none for no id).
    The caller has already scoped the ids (they are the rows of a scoped list)."""
    if not expense_ids:
        return ChargesAndReceipts({}, frozenset())
    if session.autoflush:
        session.flush()
    charges: dict[int, list[tuple[str, Decimal]]] = {}
    receipts = set()
    for expense_id, reference, amount in session.connection().execute(_statement(), {"ids": list(expense_ids)}):
        if reference is None:
            receipts.add(expense_id)
        else:
            charges.setdefault(expense_id, []).append((reference, amount))
    return ChargesAndReceipts({k: tuple(v) for k, v in charges.items()}, frozenset(receipts))


@lru_cache(maxsize=1)
def _statement() -> Any:
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    charged = (
        select(
            ExpenseCharge.expense_id.label("expense_id"),
            Grant.reference.label("reference"),
            ExpenseCharge.amount.label("amount"),
            ExpenseCharge.id.label("position"),
        )
        .join(Grant, Grant.id == ExpenseCharge.grant_id)
        .where(ExpenseCharge.expense_id.in_(ids))
    )
    received = select(Attachment.expense_id, null().cast(String), null().cast(MoneyType()), null().cast(Integer)).where(
        Attachment.expense_id.in_(ids)
    )
    both = union_all(charged, received).subquery()
    return select(both.c.expense_id, both.c.reference, both.c.amount).order_by(both.c.expense_id, both.c.position)

"""What a list of expenses shows of each beyond its own columns: its project's name, its
budget category's labels, the grants it is charged to with the amounts (in the order they
were charged), and whether a receipt is attached — for a whole page of expenses in one
statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Integer, String, bindparam, literal, null, select, union_all
from sqlalchemy.orm import Session

from fundtrack.column_types import MoneyType
from fundtrack.i18n import Lang
from fundtrack.models import Attachment, BudgetCategory, Expense, ExpenseCharge, Grant, Project

_NAMES, _CHARGE, _RECEIPT = range(3)


@dataclass
class ExpenseFacts:
    """One expense's project, category (French and English labels), charges as
    ``(grant reference, amount)``, and whether a receipt is attached."""

    project: str = ""
    category_fr: str = ""
    category_en: str | None = None
    charges: list[tuple[str, Decimal]] = field(default_factory=list)
    receipt: bool = False

    def category(self, lang: Lang | str) -> str:
        """The category's label in ``lang`` (as :meth:`BudgetCategory.label` gives it)."""
        return (self.category_en if lang == "en" else self.category_fr) or ""


def expense_facts(session: Session, expense_ids: Sequence[int]) -> dict[int, ExpenseFacts]:
    """The facts of the expenses ``expense_ids`` (one statement; none for no id). The caller
    has already scoped the ids (they are the rows of a scoped list)."""
    if not expense_ids:
        return {}
    if session.autoflush:
        session.flush()
    out: dict[int, ExpenseFacts] = {}
    for kind, expense_id, text, label_fr, label_en, amount in session.connection().execute(
        _statement(), {"ids": list(expense_ids)}
    ):
        facts = out.setdefault(expense_id, ExpenseFacts())
        if kind == _NAMES:
            facts.project, facts.category_fr, facts.category_en = text, label_fr, label_en
        elif kind == _CHARGE:
            facts.charges.append((text, amount))
        else:
            facts.receipt = True
    return out


@lru_cache(maxsize=1)
def _statement() -> Any:
    ids: BindParameter[int] = bindparam("ids", expanding=True)
    text_null, int_null = null().cast(String), null().cast(Integer)

    def kind(value: int) -> Any:
        return literal(value, Integer).label("kind")

    named = (
        select(
            kind(_NAMES),
            Expense.id.label("expense_id"),
            Project.name.label("text"),
            BudgetCategory.label_fr.label("label_fr"),
            BudgetCategory.label_en.label("label_en"),
            null().cast(MoneyType()).label("amount"),
            int_null.label("position"),
        )
        .join(Project, Project.id == Expense.project_id)
        .join(BudgetCategory, BudgetCategory.id == Expense.category_id)
        .where(Expense.id.in_(ids))
    )
    charged = (
        select(
            kind(_CHARGE),
            ExpenseCharge.expense_id,
            Grant.reference,
            text_null,
            text_null,
            ExpenseCharge.amount,
            ExpenseCharge.id,
        )
        .join(Grant, Grant.id == ExpenseCharge.grant_id)
        .where(ExpenseCharge.expense_id.in_(ids))
    )
    received = select(
        kind(_RECEIPT), Attachment.expense_id, text_null, text_null, text_null, null().cast(MoneyType()), int_null
    ).where(Attachment.expense_id.in_(ids))
    both = union_all(named, charged, received).subquery()
    return select(
        both.c.kind, both.c.expense_id, both.c.text, both.c.label_fr, both.c.label_en, both.c.amount
    ).order_by(both.c.expense_id, both.c.kind, both.c.position)

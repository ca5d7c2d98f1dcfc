"""The audit log, read-only: who changed which record, when, what it was before and after.

Filtered by record (its kind and number) and by person, sorted by time; amounts before
and after are shown as the reader's language writes them, dates likewise. Nobody writes
here: the log is written by fundtrack at each change, and is append-only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from babel.dates import format_datetime
from flask_admin.contrib.sqla.filters import IntEqualFilter
from sqlalchemy import select

from admin_app.context import acting, current_lang
from admin_app.extensions import db
from admin_app.views.base import LOCALES, FundtrackView, day, label, money
from admin_app.views.filters import ChoiceFilter, FreshFilters
from fundtrack.i18n import translate
from fundtrack.models import AuditLog
from fundtrack.models.audit import ENTITIES
from fundtrack.models.base import MoneyType

# each kind of record as people name it (the glossary's term where there is one)
ENTITY_LABELS = {
    "organisation": "admin.audit.entity_organisation",
    "category": "term.category",
    "funder": "term.funder",
    "project": "term.project",
    "grant": "term.grant",
    "grant_schedule": "admin.audit.entity_grant_schedule",
    "instalment": "admin.audit.entity_instalment",
    "instalment_receipt": "admin.audit.entity_instalment_receipt",
    "report_due": "admin.audit.entity_report_due",
    "budget": "admin.audit.entity_budget",
    "budget_version": "admin.audit.entity_budget_version",
    "budget_line": "term.budget_line",
    "budget_line_amount": "admin.audit.entity_budget_line_amount",
    "allocation": "admin.audit.entity_allocation",
    "in_kind": "term.in_kind",
    "own_funds": "term.own_funds",
    "expense": "admin.audit.entity_expense",
    "expense_charge": "admin.audit.entity_expense_charge",
    "payroll_rates": "admin.audit.entity_payroll_rates",
    "position": "term.position",
    "position_funding": "admin.audit.entity_position_funding",
    "position_funding_amount": "admin.audit.entity_position_funding_amount",
    "scenario": "term.scenario",
    "scenario_change": "admin.audit.entity_scenario_change",
    "user": "admin.audit.entity_user",
    "user_access": "admin.audit.entity_user_access",
}
ACTION_LABELS = {
    "create": "admin.audit.action_create",
    "update": "admin.audit.action_update",
    "delete": "admin.audit.action_delete",
}
# the amounts of each kind of record (shown as money), from the models' own columns
MONEY_KEYS: dict[str, frozenset[str]] = {
    name: frozenset(c.key for c in model.__table__.columns if isinstance(c.type, MoneyType))
    for model, name in ENTITIES.items()
}


def entity_label(entity: str) -> str:
    code = ENTITY_LABELS.get(entity)
    return translate(code) if code else entity


def shown_value(entity: str, key: str, value: Any) -> str:
    """One value of a record as its reader writes it: amounts and dates in their language."""
    if value is None:
        return "—"
    if key in MONEY_KEYS.get(entity, frozenset()) and isinstance(value, str):
        try:
            return money(Decimal(value))
        except InvalidOperation:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return translate("admin.audit.yes" if value else "admin.audit.no")
    if isinstance(value, list):
        return ", ".join(shown_value(entity, key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown_value(entity, k, v)}" for k, v in value.items())
    return str(value)


def changes(entry: AuditLog) -> list[tuple[str, str, str]]:
    """(field, before, after) of an entry, the fields that changed (all of them for a
    record created or deleted), in the reader's words."""
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return [(k, shown_value(entry.entity, k, before.get(k)), shown_value(entry.entity, k, after.get(k))) for k in keys]


def _entities() -> list[tuple[str, str]]:
    return sorted(((name, entity_label(name)) for name in ENTITY_LABELS), key=lambda c: c[1])


def _actors() -> list[tuple[str, str]]:
    found = db.session.scalars(
        select(AuditLog.actor).where(AuditLog.organisation_id == acting().organisation_id).distinct()
    )
    return [(a, a) for a in sorted(found)]


class AuditView(FreshFilters, FundtrackView):
    write_action = None  # read-only
    allow_create = False
    allow_edit = False
    details_template = "fundtrack/audit_details.html"
    column_list = ("at", "actor", "role", "action", "entity", "entity_id", "label", "summary")
    column_details_list = ("at", "actor", "role", "action", "entity", "entity_id", "label")
    column_sortable_list = ("at", "actor", "entity")
    column_default_sort = ("id", True)
    column_searchable_list = ("label",)
    column_filters = (
        ChoiceFilter(AuditLog.entity, label("admin.audit.record"), _entities),
        IntEqualFilter(AuditLog.entity_id, label("admin.audit.record_number")),
        ChoiceFilter(AuditLog.actor, label("admin.audit.person"), _actors),
    )
    column_labels: ClassVar[dict[str, Any]] = {
        "at": label("admin.audit.at"),
        "actor": label("admin.audit.person"),
        "role": label("admin.users.role"),
        "action": label("admin.audit.action"),
        "entity": label("admin.audit.record"),
        "entity_id": label("admin.audit.record_number"),
        "label": label("admin.audit.label"),
        "summary": label("admin.audit.changes"),
    }

    def extra_formatters(self) -> dict[str, Any]:
        return {
            "at": lambda v, c, m, n: format_datetime(m.at, format="medium", locale=LOCALES[current_lang()]),
            "role": lambda v, c, m, n: translate(f"role.{m.role}") if m.role in ROLES else (m.role or ""),
            "action": lambda v, c, m, n: translate(ACTION_LABELS[m.action]) if m.action in ACTION_LABELS else m.action,
            "entity": lambda v, c, m, n: entity_label(m.entity),
            "summary": lambda v, c, m, n: (
                "; ".join(f"{k}: {b} → {a}" for k, b, a in changes(m)[:4]) + (" …" if len(changes(m)) > 4 else "")
            ),
        }

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and "model" in kwargs:
            kwargs["changes"] = changes(kwargs["model"])
        return super().render(template, **kwargs)


ROLES = frozenset({"treasurer", "coordinator", "board", "funder"})

"""The rules the integrity check verifies, and the words for them and for the records.

Each rule has two texts: the rule itself (what must hold) and what was found (with the
figures of the record that breaks it).
"""

from __future__ import annotations

from fundtrack.i18n import msg

# rule → (the rule in words, what was found)
RULE_TEXTS: dict[str, tuple[str, str]] = {
    "split": (msg("check.rule.split"), msg("check.found.split")),
    "expense_taxes": (msg("check.rule.expense_taxes"), msg("check.found.expense_taxes")),
    "expense_reversal": (msg("check.rule.expense_reversal"), msg("check.found.expense_reversal")),
    "charge_status": (msg("check.rule.charge_status"), msg("check.found.charge_status")),
    "charge_period": (msg("check.rule.charge_period"), msg("check.found.charge_period")),
    "charge_category": (msg("check.rule.charge_category"), msg("check.found.charge_category")),
    "charge_project": (msg("check.rule.charge_project"), msg("check.found.charge_project")),
    "charged_over_grant": (msg("check.rule.charged_over_grant"), msg("check.found.charged_over_grant")),
    "receipts_sum": (msg("check.rule.receipts_sum"), msg("check.found.receipts_sum")),
    "receipts_date": (msg("check.rule.receipts_date"), msg("check.found.receipts_date")),
    "received_over_grant": (msg("check.rule.received_over_grant"), msg("check.found.received_over_grant")),
    "instalments_over_grant": (msg("check.rule.instalments_over_grant"), msg("check.found.instalments_over_grant")),
    "schedule_total": (msg("check.rule.schedule_total"), msg("check.found.schedule_total")),
    "schedule_outside": (msg("check.rule.schedule_outside"), msg("check.found.schedule_outside")),
    "schedule_basis": (msg("check.rule.schedule_basis"), msg("check.found.schedule_basis")),
    "restricted_categories": (msg("check.rule.restricted_categories"), msg("check.found.restricted_categories")),
    "position_funding_over_grant": (
        msg("check.rule.position_funding_over_grant"),
        msg("check.found.position_funding_over_grant"),
    ),
    "position_funding_declined": (
        msg("check.rule.position_funding_declined"),
        msg("check.found.position_funding_declined"),
    ),
    "position_funding_period": (msg("check.rule.position_funding_period"), msg("check.found.position_funding_period")),
    "position_funding_restricted": (
        msg("check.rule.position_funding_restricted"),
        msg("check.found.position_funding_restricted"),
    ),
    "allocation_total": (msg("check.rule.allocation_total"), msg("check.found.allocation_total")),
    "allocation_period": (msg("check.rule.allocation_period"), msg("check.found.allocation_period")),
    "allocation_eligible": (msg("check.rule.allocation_eligible"), msg("check.found.allocation_eligible")),
    "allocation_fee_cap": (msg("check.rule.allocation_fee_cap"), msg("check.found.allocation_fee_cap")),
    "allocation_project": (msg("check.rule.allocation_project"), msg("check.found.allocation_project")),
    "allocation_reversal": (msg("check.rule.allocation_reversal"), msg("check.found.allocation_reversal")),
    "one_current_version": (msg("check.rule.one_current_version"), msg("check.found.one_current_version")),
    "audit_create": (msg("check.rule.audit_create"), msg("check.found.audit_create")),
    "revision": (msg("check.rule.revision"), msg("check.found.revision")),
}

# the records a breach names (the audit log's names for them; glossary terms where there is one)
ENTITY_TEXTS: dict[str, str] = {
    "organisation": msg("check.entity.organisation"),
    "category": msg("term.category"),
    "funder": msg("term.funder"),
    "project": msg("term.project"),
    "grant": msg("term.grant"),
    "grant_schedule": msg("check.entity.grant_schedule"),
    "instalment": msg("check.entity.instalment"),
    "instalment_receipt": msg("check.entity.instalment_receipt"),
    "report_due": msg("check.entity.report_due"),
    "budget": msg("check.entity.budget"),
    "budget_version": msg("check.entity.budget_version"),
    "budget_line": msg("term.budget_line"),
    "budget_line_amount": msg("check.entity.budget_line_amount"),
    "allocation": msg("check.entity.allocation"),
    "in_kind": msg("term.in_kind"),
    "own_funds": msg("term.own_funds"),
    "expense": msg("check.entity.expense"),
    "expense_charge": msg("check.entity.expense_charge"),
    "payroll_rates": msg("check.entity.payroll_rates"),
    "position": msg("term.position"),
    "position_funding": msg("check.entity.position_funding"),
    "position_funding_amount": msg("check.entity.position_funding_amount"),
    "scenario": msg("term.scenario"),
    "scenario_change": msg("check.entity.scenario_change"),
    "user": msg("check.entity.user"),
    "user_access": msg("check.entity.user_access"),
}

"""``fundtrack check``: the example keeps every rule; a database broken by hand (raw SQL,
as a migration gone wrong or an edit in a database tool would) is reported, each breach
with its record and its rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.cli import main
from fundtrack.db import unit_of_work
from fundtrack.i18n import set_lang
from fundtrack.models import Allocation, Expense, ExpenseCharge
from fundtrack.queries.charges import standing
from fundtrack.queries.integrity import RULE_TEXTS, Breach, run_checks
from fundtrack.services import interchange
from fundtrack.services.allocations import reverse_allocation
from fundtrack.services.expenses import reverse_expense
from tests.conftest import the_organisation, treasurer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"


@pytest.fixture
def example(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The Parc-Extension example, with one expense and one allocation reversed."""
    document = interchange.read_file(EXAMPLE)
    with unit_of_work(factory) as session:
        interchange.load_document(session, document, actor="trésorière")
    with unit_of_work(factory) as session:
        acting = treasurer(session, the_organisation(session).id)
        charged = select(ExpenseCharge.expense_id).join(Expense).where(standing()).order_by(ExpenseCharge.id)
        reverse_expense(session, acting, session.scalars(charged).first() or 0)
        allocation = session.scalars(select(Allocation.id).order_by(Allocation.id)).first()
        reverse_allocation(session, acting, allocation or 0)
    return factory


def breaches(factory: sessionmaker[Session]) -> list[Breach]:
    with unit_of_work(factory, write=False) as session:
        return run_checks(session)


def one(conn: Connection, sql: str, **params: Any) -> Any:
    value = conn.execute(text(sql), params).scalar()
    assert value is not None, sql
    return value


# --- how each rule is broken by hand: returns the record (entity, id) that must be named --------


def charge_of_standing_expense(conn: Connection) -> tuple[int, int, int]:
    """A charge of an expense that stands: (charge, expense, grant)."""
    row = conn.execute(
        text(
            "SELECT c.id, e.id, c.grant_id FROM expense_charges c JOIN expenses e ON e.id = c.expense_id "
            "WHERE e.reverses_id IS NULL AND NOT EXISTS (SELECT 1 FROM expenses r WHERE r.reverses_id = e.id) "
            "ORDER BY c.id"
        )
    ).first()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def current_allocation(conn: Connection) -> tuple[int, int, int]:
    """An allocation on a current version that is neither reversed nor a reversal: (allocation, grant, line)."""
    row = conn.execute(
        text(
            "SELECT a.id, a.grant_id, a.line_id FROM allocations a JOIN budget_lines l ON l.id = a.line_id "
            "JOIN budget_versions v ON v.id = l.version_id WHERE v.current = :yes AND a.reverses_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM allocations r WHERE r.reverses_id = a.id) ORDER BY a.id"
        ),
        {"yes": True},
    ).first()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def break_split(conn: Connection) -> tuple[str, int]:
    charge, expense, _ = charge_of_standing_expense(conn)
    conn.execute(text("UPDATE expense_charges SET amount = amount + 100000 WHERE id = :c"), {"c": charge})
    return "expense", expense


def break_expense_reversal(conn: Connection) -> tuple[str, int]:
    reversal = one(conn, "SELECT id FROM expenses WHERE reverses_id IS NOT NULL")
    conn.execute(
        text("UPDATE expenses SET pre_tax = pre_tax + 100, net_cost = net_cost + 100 WHERE id = :e"), {"e": reversal}
    )
    return "expense", reversal


def break_charge_status(conn: Connection) -> tuple[str, int]:
    charge, _, grant = charge_of_standing_expense(conn)
    conn.execute(text("UPDATE grants SET status = 'requested' WHERE id = :g"), {"g": grant})
    return "expense_charge", charge


def break_charge_period(conn: Connection) -> tuple[str, int]:
    charge, expense, _ = charge_of_standing_expense(conn)
    conn.execute(text("UPDATE expenses SET expense_date = '2150-01-01' WHERE id = :e"), {"e": expense})
    return "expense_charge", charge


def break_charge_category(conn: Connection) -> tuple[str, int]:
    charge, expense, grant = charge_of_standing_expense(conn)
    category = one(conn, "SELECT category_id FROM expenses WHERE id = :e", e=expense)
    other = one(conn, "SELECT min(id) FROM budget_categories WHERE id <> :c", c=category)
    conn.execute(text("DELETE FROM grant_eligible_categories WHERE grant_id = :g"), {"g": grant})
    conn.execute(text("INSERT INTO grant_eligible_categories VALUES (:g, :c)"), {"g": grant, "c": other})
    conn.execute(text("UPDATE grants SET restricted = :yes WHERE id = :g"), {"g": grant, "yes": True})
    return "expense_charge", charge


def _fund_another_project(conn: Connection, grant: int, project: int) -> None:
    other = one(conn, "SELECT min(id) FROM projects WHERE id <> :p", p=project)
    conn.execute(text("DELETE FROM grant_projects WHERE grant_id = :g"), {"g": grant})
    conn.execute(text("INSERT INTO grant_projects VALUES (:g, :p)"), {"g": grant, "p": other})


def break_charge_project(conn: Connection) -> tuple[str, int]:
    charge, expense, grant = charge_of_standing_expense(conn)
    _fund_another_project(conn, grant, one(conn, "SELECT project_id FROM expenses WHERE id = :e", e=expense))
    return "expense_charge", charge


def break_charged_over_grant(conn: Connection) -> tuple[str, int]:
    _, _, grant = charge_of_standing_expense(conn)
    conn.execute(text("UPDATE grants SET amount = 1 WHERE id = :g"), {"g": grant})
    return "grant", grant


def _instalment_with_receipts(conn: Connection) -> int:
    return int(one(conn, "SELECT min(instalment_id) FROM instalment_receipts"))


def break_receipts_sum(conn: Connection) -> tuple[str, int]:
    instalment = _instalment_with_receipts(conn)
    conn.execute(text("UPDATE instalments SET received_amount = received_amount + 1 WHERE id = :i"), {"i": instalment})
    return "instalment", instalment


def break_receipts_date(conn: Connection) -> tuple[str, int]:
    instalment = _instalment_with_receipts(conn)
    conn.execute(text("UPDATE instalments SET received_date = '1950-01-01' WHERE id = :i"), {"i": instalment})
    return "instalment", instalment


def break_received_over_grant(conn: Connection) -> tuple[str, int]:
    instalment = _instalment_with_receipts(conn)
    grant = one(conn, "SELECT grant_id FROM instalments WHERE id = :i", i=instalment)
    conn.execute(
        text("INSERT INTO instalment_receipts (instalment_id, received_date, amount) VALUES (:i, '2026-06-01', :a)"),
        {"i": instalment, "a": 10**13},
    )
    return "grant", grant


def break_instalments_over_grant(conn: Connection) -> tuple[str, int]:
    instalment = _instalment_with_receipts(conn)
    grant = one(conn, "SELECT grant_id FROM instalments WHERE id = :i", i=instalment)
    conn.execute(text("UPDATE instalments SET expected_amount = :a WHERE id = :i"), {"i": instalment, "a": 10**13})
    return "grant", grant


def break_schedule_total(conn: Connection) -> tuple[str, int]:
    entry = one(conn, "SELECT min(id) FROM grant_schedule")
    conn.execute(text("UPDATE grant_schedule SET amount = amount + 100 WHERE id = :s"), {"s": entry})
    return "grant", one(conn, "SELECT grant_id FROM grant_schedule WHERE id = :s", s=entry)


def break_schedule_outside(conn: Connection) -> tuple[str, int]:
    entry = one(conn, "SELECT max(id) FROM grant_schedule")
    conn.execute(
        text("UPDATE grant_schedule SET period_start = '2190-01-01', period_end = '2190-12-31' WHERE id = :s"),
        {"s": entry},
    )
    return "grant_schedule", entry


def break_schedule_basis(conn: Connection) -> tuple[str, int]:
    grant = one(conn, "SELECT min(id) FROM grants WHERE id NOT IN (SELECT grant_id FROM grant_schedule)")
    conn.execute(text("UPDATE grants SET schedule_basis = 'years' WHERE id = :g"), {"g": grant})
    return "grant", grant


def break_restricted_categories(conn: Connection) -> tuple[str, int]:
    grant = one(conn, "SELECT min(grant_id) FROM grant_eligible_categories")
    conn.execute(text("DELETE FROM grant_eligible_categories WHERE grant_id = :g"), {"g": grant})
    return "grant", grant


def break_position_funding_over_grant(conn: Connection) -> tuple[str, int]:
    row = conn.execute(
        text(
            "SELECT a.id, f.grant_id FROM position_funding_amounts a JOIN position_funding f ON f.id = a.funding_id "
            "WHERE f.position_id IS NOT NULL ORDER BY a.id"
        )
    ).first()
    assert row is not None
    conn.execute(text("UPDATE position_funding_amounts SET amount = :a WHERE id = :i"), {"i": row[0], "a": 10**13})
    return "grant", int(row[1])


def break_allocation_total(conn: Connection) -> tuple[str, int]:
    allocation, grant, _ = current_allocation(conn)
    conn.execute(text("UPDATE allocations SET amount = :a WHERE id = :i"), {"i": allocation, "a": 10**13})
    return "grant", grant


def break_allocation_period(conn: Connection) -> tuple[str, int]:
    allocation, grant, _ = current_allocation(conn)
    conn.execute(
        text("UPDATE allocations SET period_start = '2190-04-01', period_end = '2191-03-31' WHERE id = :i"),
        {"i": allocation},
    )
    return "grant", grant


def break_allocation_eligible(conn: Connection) -> tuple[str, int]:
    _, grant, line = current_allocation(conn)
    category = one(conn, "SELECT category_id FROM budget_lines WHERE id = :l", l=line)
    other = one(conn, "SELECT min(id) FROM budget_categories WHERE id <> :c", c=category)
    conn.execute(text("DELETE FROM grant_eligible_categories WHERE grant_id = :g"), {"g": grant})
    conn.execute(text("INSERT INTO grant_eligible_categories VALUES (:g, :c)"), {"g": grant, "c": other})
    conn.execute(text("UPDATE grants SET restricted = :yes WHERE id = :g"), {"g": grant, "yes": True})
    return "grant", grant


def break_allocation_fee_cap(conn: Connection) -> tuple[str, int]:
    _, grant, line = current_allocation(conn)
    category = one(conn, "SELECT category_id FROM budget_lines WHERE id = :l", l=line)
    conn.execute(text("UPDATE budget_categories SET administrative = :yes WHERE id = :c"), {"c": category, "yes": True})
    conn.execute(text("UPDATE grants SET fee_cap = 0 WHERE id = :g"), {"g": grant})
    return "grant", grant


def break_allocation_project(conn: Connection) -> tuple[str, int]:
    _, grant, line = current_allocation(conn)
    project = one(
        conn,
        "SELECT b.project_id FROM budget_lines l JOIN budget_versions v ON v.id = l.version_id "
        "JOIN budgets b ON b.id = v.budget_id WHERE l.id = :l",
        l=line,
    )
    _fund_another_project(conn, grant, project)
    return "grant", grant


def break_allocation_reversal(conn: Connection) -> tuple[str, int]:
    reversal = one(conn, "SELECT id FROM allocations WHERE reverses_id IS NOT NULL")
    conn.execute(text("UPDATE allocations SET amount = amount - 1 WHERE id = :a"), {"a": reversal})
    return "allocation", reversal


def break_one_current_version(conn: Connection) -> tuple[str, int]:
    budget = one(conn, "SELECT budget_id FROM budget_versions GROUP BY budget_id HAVING count(*) > 1")
    conn.execute(text('UPDATE budget_versions SET "current" = :yes WHERE budget_id = :b'), {"b": budget, "yes": True})
    return "budget", budget


def break_audit_create(conn: Connection) -> tuple[str, int]:
    conn.execute(
        text(
            "INSERT INTO own_funds (organisation_id, project_id, description, amount, start_date, end_date, revision) "
            "SELECT organisation_id, id, 'Réserve ajoutée à la main', 500000, '2026-04-01', '2027-03-31', 1 "
            "FROM projects WHERE id = (SELECT min(id) FROM projects)"
        )
    )
    return "own_funds", one(conn, "SELECT max(id) FROM own_funds")


def break_revision(conn: Connection) -> tuple[str, int]:
    funder = one(conn, "SELECT min(id) FROM funders")
    conn.execute(text("UPDATE funders SET revision = 0 WHERE id = :f"), {"f": funder})
    return "funder", funder


def break_expense_taxes(conn: Connection) -> tuple[str, int]:
    expense = one(conn, "SELECT min(id) FROM expenses WHERE pre_tax > 0 AND reverses_id IS NULL")
    conn.execute(
        text("UPDATE expenses SET gst = gst + 10000000, net_cost = net_cost + 10000000 WHERE id = :e"), {"e": expense}
    )
    return "expense", expense


def _a_funding(conn: Connection) -> tuple[int, int]:
    row = conn.execute(text("SELECT id, grant_id FROM position_funding ORDER BY id")).first()
    assert row is not None
    return int(row[0]), int(row[1])


def break_position_funding_declined(conn: Connection) -> tuple[str, int]:
    funding, grant = _a_funding(conn)
    conn.execute(text("UPDATE grants SET status = 'declined' WHERE id = :g"), {"g": grant})
    return "position_funding", funding


def break_position_funding_period(conn: Connection) -> tuple[str, int]:
    amount = one(conn, "SELECT min(id) FROM position_funding_amounts")
    conn.execute(
        text(
            "UPDATE position_funding_amounts SET period_start = '2190-04-01', period_end = '2191-03-31' WHERE id = :a"
        ),
        {"a": amount},
    )
    return "position_funding_amount", amount


def break_position_funding_restricted(conn: Connection) -> tuple[str, int]:
    funding, grant = _a_funding(conn)
    translation = one(conn, "SELECT min(id) FROM budget_categories WHERE code = 'translation'")
    conn.execute(text("DELETE FROM grant_eligible_categories WHERE grant_id = :g"), {"g": grant})
    conn.execute(text("INSERT INTO grant_eligible_categories VALUES (:g, :c)"), {"g": grant, "c": translation})
    conn.execute(text("UPDATE grants SET restricted = :yes WHERE id = :g"), {"g": grant, "yes": True})
    return "position_funding", funding


BREAKERS: dict[str, Callable[[Connection], tuple[str, int]]] = {
    name.removeprefix("break_"): fn for name, fn in globals().items() if name.startswith("break_")
}


def test_every_rule_has_a_test_that_breaks_it() -> None:
    assert sorted(BREAKERS) == sorted(RULE_TEXTS)


def test_the_example_keeps_every_rule(example: sessionmaker[Session]) -> None:
    assert breaches(example) == []


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_a_database_broken_by_hand_is_reported_with_its_record_and_rule(
    example: sessionmaker[Session], engine: Engine, rule: str
) -> None:
    with engine.begin() as conn:
        entity, entity_id = BREAKERS[rule](conn)
    found = breaches(example)
    assert (rule, entity, entity_id) in {(b.rule, b.entity, b.entity_id) for b in found}, [
        b.describe("en") for b in found
    ]
    breach = next(b for b in found if (b.rule, b.entity, b.entity_id) == (rule, entity, entity_id))
    text_fr, text_en = breach.describe("fr"), breach.describe("en")
    assert f"#{entity_id}" in text_en and f"n° {entity_id}" in text_fr
    assert breach.label in text_en  # the record as a person recognises it


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    url = f"sqlite:///{tmp_path / 'table.sqlite3'}"
    result = CliRunner().invoke(main, ["--database", url, "load", str(EXAMPLE)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    yield url
    set_lang("fr")


def test_the_command_says_no_breach_in_one_line_and_exits_0(db: str) -> None:
    result = CliRunner().invoke(main, ["--database", db, "check"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith("Aucun manquement")
    assert result.stdout.count("\n") == 1
    as_json = CliRunner().invoke(main, ["--database", db, "check", "--json"], catch_exceptions=False)
    assert json.loads(as_json.stdout) == {"rules": len(RULE_TEXTS), "breaches": []}


def test_the_command_lists_each_breach_and_exits_1(db: str, tmp_path: Path) -> None:
    from fundtrack.db import make_engine

    engine = make_engine(db)
    with engine.begin() as conn:
        break_revision(conn)
        _, expense = break_split(conn)
    engine.dispose()
    result = CliRunner().invoke(main, ["--database", db, "--lang", "en", "check"], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"Expense #{expense} (")
    assert "rule: an expense's charges and its own funds add up to its net cost" in lines[0]
    assert "version number 0" in lines[1]
    assert "2 breach(es)" in result.stderr
    as_json = CliRunner().invoke(main, ["--database", db, "check", "--json"], catch_exceptions=False)
    assert as_json.exit_code == 1
    found = json.loads(as_json.stdout)["breaches"]
    assert [b["rule"] for b in found] == ["split", "revision"]
    assert found[0]["id"] == expense and found[0]["entity"] == "expense"


def test_a_tax_within_the_rounding_allowance_is_no_breach_and_a_cent_more_is(
    example: sessionmaker[Session], engine: Engine
) -> None:
    from decimal import Decimal

    from fundtrack.calc.taxes import GST_RATE, TAX_ROUNDING
    from fundtrack.money import percent_of

    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT id, pre_tax, gst FROM expenses WHERE pre_tax > 100000 AND reverses_id IS NULL ORDER BY id")
        ).first()
        assert row is not None
        expense, pre_tax = int(row[0]), Decimal(row[1]) / 100
        computed = percent_of(pre_tax, GST_RATE)
        allowed = computed + max(TAX_ROUNDING, percent_of(computed, Decimal("0.01")))
        step = int(allowed * 100) - int(row[2])
        conn.execute(
            text("UPDATE expenses SET gst = gst + :d, net_cost = net_cost + :d WHERE id = :e"),
            {"d": step, "e": expense},
        )
    assert [b for b in breaches(example) if b.rule == "expense_taxes"] == []
    with engine.begin() as conn:
        conn.execute(text("UPDATE expenses SET gst = gst + 1, net_cost = net_cost + 1 WHERE id = :e"), {"e": expense})
    assert [b.entity_id for b in breaches(example) if b.rule == "expense_taxes"] == [expense]

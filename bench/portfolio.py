"""A federation's portfolio, generated straight into PostgreSQL (COPY), kept between runs.

:func:`portfolio_rows` builds, in memory, the rows of ``organisations`` neighbourhood
organisations, each from its own seed (organisation *k* is the same whatever the number
of organisations: a 10-organisation and a 300-organisation database hold the same first
ten). Each organisation has:

- the standard bilingual budget categories;
- five funders — "Centraide du Grand Montréal" in nine organisations of ten (one Funder
  row per organisation, as the model has it), the borough, the City, a foundation and a
  ministry;
- a grant from each funder for each of three fiscal years (2023-2024 to 2025-2026), the
  ministry's latest one still requested; two instalments each (received, except the
  second one of the current year, now overdue), a report due per grant;
- four projects with a budget each: an adopted version and the current revised one, eight
  lines of each with an amount per year; the grants allocated to lines of the current
  versions (within each grant);
- three positions (one planned), the coordination funded by a grant of the current year;
- a year of expenses (2025-2026) with taxes computed as the rule gives them, three in five
  charged to a confirmed grant of the year (never beyond the grant). The expenses of all
  organisations are written day by day, as a shared server receives them (:func:`interleave`):
  one organisation's rows are spread over the whole table;
- an audit entry recording the creation of every money row (``fundtrack check`` asks for
  it), a treasurer's login per organisation, and one funder's login (Centraide's) that
  reaches its funder in every organisation it funds.

:func:`ensure` writes them into a database of their own (the schema from
``Base.metadata.create_all``), stamped with a comment on the database (generator version,
size, schema hash): a database whose stamp matches is reused as it is.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, CreateTable, DropIndex
from werkzeug.security import generate_password_hash

import fundtrack.models  # noqa: F401  (registers every table)
from fundtrack.db import database_url, make_engine
from fundtrack.models.base import Base
from fundtrack.services.organisation import STANDARD_CATEGORIES

VERSION = 4  # raise when the generated content changes: cached databases are then rebuilt
EXPENSES_IN_ALL = 1_000_000  # at 300 organisations
DEFAULT_ORGANISATIONS = 300
YEARS = (2023, 2024, 2025)  # fiscal years starting in April
CURRENT = 2025  # the year of the expenses
AS_OF = date(2025, 11, 30)  # the day the figures are read (a month's last day)
PASSWORD = "mot-de-passe-du-banc"
FUNDER_EMAIL = "centraide@federation.example"
CENTRAIDE = "Centraide du Grand Montréal"
CREATED = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
ACTOR = "bench"

# name, kind, fiscal start month
FUNDERS = (
    (CENTRAIDE, "centraide", 4),
    ("Arrondissement Villeray–Saint-Michel–Parc-Extension", "borough", 1),
    ("Ville de Montréal", "city", 1),
    ("Fondation du Grand Montréal", "foundation", 7),
    ("Ministère de l'Emploi et de la Solidarité sociale", "quebec", 4),
)
PROJECTS = ("Fonctionnement", "Grand rendez-vous", "Sécurité alimentaire", "Mobilisation citoyenne")
LINE_CATEGORIES = (
    "salaries",
    "employer_contributions",
    "translation",
    "room_rental",
    "catering",
    "communications",
    "supplies",
    "administration",
)
PAYEES = tuple(f"Fournisseur {c}" for c in "ABCDEFGHIJKLMNOPQRST")
POSITIONS = (
    ("coordination", "Coordination", "Coordinator", "filled", 6_240_000),
    ("liaison", "Agente de liaison", "Liaison agent", "filled", 5_100_000),
    ("mobilisation", "Agent de mobilisation", "Mobilisation agent", "planned", 5_000_000),
)


def expenses_per_organisation(organisations: int = DEFAULT_ORGANISATIONS) -> int:
    """The expenses of one organisation: about 1,000,000 in all at the default size (the
    same for any number of organisations, so that an organisation's content does not depend
    on how many there are)."""
    return -(-EXPENSES_IN_ALL // DEFAULT_ORGANISATIONS)


def fiscal_year(y: int) -> tuple[date, date]:
    return date(y, 4, 1), date(y + 1, 3, 31)


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def taxes(pre_tax: int) -> tuple[int, int, int, int, int]:
    """GST, QST, their 50 % rebates and the net cost of ``pre_tax`` cents (domain.md 4.4)."""
    gst = half_up(pre_tax * 5, 100)
    qst = half_up(pre_tax * 9975, 100_000)
    gst_rebate, qst_rebate = half_up(gst, 2), half_up(qst, 2)
    return gst, qst, gst_rebate, qst_rebate, pre_tax + gst + qst - gst_rebate - qst_rebate


# --- the rows --------------------------------------------------------------------------------


@dataclass
class Rows:
    """The generated rows, table by table (each a tuple in the order of ``COLUMNS``)."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, *values: Any) -> int:
        """Append a row whose first column is its id; return the id."""
        new = self.ids.get(table, 0) + 1
        self.ids[table] = new
        self.tables.setdefault(table, []).append((new, *values))
        return new

    def add_plain(self, table: str, *values: Any) -> None:
        self.tables.setdefault(table, []).append(values)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


COLUMNS: dict[str, tuple[str, ...]] = {
    "organisations": ("id", "name", "fiscal_start_month", "gst_rebate_rate", "qst_rebate_rate", "language", "revision"),
    "budget_categories": (
        "id",
        "organisation_id",
        "code",
        "label_fr",
        "label_en",
        "administrative",
        "standard",
        "position",
        "revision",
    ),
    "funders": ("id", "organisation_id", "name", "kind", "fiscal_start_month", "language", "revision"),
    "projects": ("id", "organisation_id", "name", "desired_changes", "operations", "revision"),
    "budgets": ("id", "organisation_id", "project_id", "revision"),
    "budget_versions": ("id", "budget_id", "name", "kind", "parent_id", "current", "created_at", "revision"),
    "budget_lines": ("id", "version_id", "category_id", "description", "position", "revision"),
    "budget_line_amounts": ("id", "line_id", "period_start", "period_end", "amount", "revision"),
    "grants": (
        "id",
        "organisation_id",
        "funder_id",
        "reference",
        "title",
        "status",
        "amount",
        "start_date",
        "end_date",
        "restricted",
        "schedule_basis",
        "no_combination",
        "revision",
    ),
    "instalments": (
        "id",
        "grant_id",
        "expected_date",
        "expected_amount",
        "received_date",
        "received_amount",
        "revision",
    ),
    "instalment_receipts": ("id", "instalment_id", "received_date", "amount"),
    "report_dues": ("id", "grant_id", "due_date", "title", "submitted_on", "revision"),
    "allocations": (
        "id",
        "organisation_id",
        "grant_id",
        "line_id",
        "period_start",
        "period_end",
        "amount",
        "created_at",
        "revision",
    ),
    "positions": (
        "id",
        "organisation_id",
        "key",
        "title_fr",
        "title_en",
        "status",
        "annual_salary",
        "start_date",
        "vacation_rate",
        "benefits_rate",
        "raise_rate",
        "budget_line_id",
        "revision",
    ),
    "position_funding": ("id", "position_id", "grant_id", "revision"),
    "position_funding_amounts": ("id", "funding_id", "period_start", "period_end", "amount", "revision"),
    "expenses": (
        "id",
        "organisation_id",
        "project_id",
        "category_id",
        "line_id",
        "expense_date",
        "payee",
        "description",
        "pre_tax",
        "gst",
        "qst",
        "gst_rebate",
        "qst_rebate",
        "net_cost",
        "payment_method",
        "created_at",
        "revision",
    ),
    "expense_charges": ("id", "expense_id", "grant_id", "amount", "revision"),
    "users": ("id", "email", "name", "role", "language", "active", "password_hash", "created_at", "revision"),
    "user_access": ("id", "user_id", "organisation_id", "funder_id", "revision"),
    "audit_log": ("organisation_id", "at", "actor", "role", "action", "entity", "entity_id", "after"),
}


def _audit(rows: Rows, org: int, entity: str, entity_id: int, after: dict[str, Any], action: str = "create") -> None:
    rows.add_plain("audit_log", org, CREATED, ACTOR, "treasurer", action, entity, entity_id, json.dumps(after))


Line = tuple[int, int, int, str]  # a current version's line: its id, project, category and code


def _organisation(rows: Rows, k: int, expenses: int, password_hash: str) -> int | None:
    """Organisation number ``k`` (from 1), from its own seed; returns its Centraide funder's id."""
    rnd = random.Random(k)
    org = rows.add("organisations", f"Table de quartier {k:03d}", 4, "0.5", "0.5", "fr", 1)
    categories = {
        code: rows.add("budget_categories", org, code, fr, en, admin, True, position, 1)
        for position, (code, fr, en, admin) in enumerate(STANDARD_CATEGORIES)
    }
    funders: list[int] = []
    centraide: int | None = None
    for name, kind, month in FUNDERS:
        if name == CENTRAIDE and k % 10 == 0:
            continue  # one organisation in ten is not funded by Centraide
        funder = rows.add("funders", org, name, kind, month, "fr", 1)
        funders.append(funder)
        if name == CENTRAIDE:
            centraide = funder
    lines = _budgets(rows, rnd, org, categories)
    capacity = {}
    for f, funder in enumerate(funders):
        for y in YEARS:
            requested = f == len(funders) - 1 and y == CURRENT
            grant, amount = _grant(rows, rnd, org, funder, f, y, requested, lines)
            if y == CURRENT and not requested:
                capacity[grant] = amount
    _positions(rows, org, lines, next(iter(capacity)))  # the first funder's grant of the current year
    _expenses(rows, rnd, org, lines, capacity, expenses)
    user = rows.add(
        "users", f"tresorerie-{k:03d}@federation.example", f"Trésorerie {k:03d}", "treasurer", "fr", True,
        password_hash, CREATED, 1,
    )  # fmt: skip
    rows.add("user_access", user, org, None, 1)
    return centraide


def _budgets(rows: Rows, rnd: random.Random, org: int, categories: dict[str, int]) -> list[Line]:
    """Projects, their budgets (an adopted and the current revised version), lines and amounts;
    returns the current versions' lines."""
    current: list[Line] = []
    for p, project_name in enumerate(PROJECTS):
        project = rows.add("projects", org, project_name, "[]", p == 0, 1)
        budget = rows.add("budgets", org, project, 1)
        adopted = rows.add("budget_versions", budget, "Adopté", "adopted", None, False, CREATED, 1)
        revised = rows.add("budget_versions", budget, "Révisé", "revised", adopted, True, CREATED, 1)
        for version in (adopted, revised):
            for position, code in enumerate(LINE_CATEGORIES):
                line = rows.add("budget_lines", version, categories[code], f"{project_name} — {code}", position, 1)
                if version == revised:
                    current.append((line, project, categories[code], code))
                for y in YEARS:
                    start, end = fiscal_year(y)
                    amount = rnd.randrange(500_000, 8_000_000)
                    amount_id = rows.add("budget_line_amounts", line, start, end, amount, 1)
                    _audit(rows, org, "budget_line_amount", amount_id, {"amount": amount})
    return current


def _grant(
    rows: Rows, rnd: random.Random, org: int, funder: int, f: int, y: int, requested: bool, lines: list[Line]
) -> tuple[int, int]:
    """A grant of fiscal year ``y`` with its report due, its instalments (received but the
    current year's second one) and its allocations; returns its id and amount."""
    start, end = fiscal_year(y)
    amount = rnd.randrange(60_000, 250_000) * 100
    status = "requested" if requested else "confirmed"
    title = f"Entente {y}-{y + 1} ({f + 1})"
    grant = rows.add(
        "grants", org, funder, f"G-{y}-{f + 1}", title, status, amount, start, end, False, "days", False, 1
    )
    _audit(rows, org, "grant", grant, {"amount": amount})
    due = date(y, 12, 15)
    rows.add("report_dues", grant, due, "Rapport de mi-parcours", due if y < CURRENT else None, 1)
    if requested:
        return grant, amount
    first = amount // 2
    for expected, part in ((start + timedelta(days=14), first), (date(y, 10, 1), amount - first)):
        received = y < CURRENT or expected < date(CURRENT, 10, 1)
        got = (expected, part) if received else (None, None)
        instalment = rows.add("instalments", grant, expected, part, *got, 1)
        _audit(rows, org, "instalment", instalment, {"expected_amount": part})
        if received:
            receipt = rows.add("instalment_receipts", instalment, expected, part)
            _audit(rows, org, "instalment_receipt", receipt, {"amount": part}, action="receive")
    for line, _project, _category, _code in rnd.sample(lines, 3):
        share = rnd.randrange(amount // 10, amount // 4)
        allocation = rows.add("allocations", org, grant, line, start, end, share, CREATED, 1)
        _audit(rows, org, "allocation", allocation, {"amount": share})
    return grant, amount


def _positions(rows: Rows, org: int, lines: list[Line], grant: int) -> None:
    """The staffing plan: the coordination funded by ``grant`` in the current year."""
    salaries_line = next(line for line, _p, _c, code in lines if code == "salaries")
    for key, fr, en, status, salary in POSITIONS:
        position = rows.add(
            "positions", org, key, fr, en, status, salary, date(2023, 4, 1), "0.04", "0", "0.03", salaries_line, 1
        )
        if key == "coordination":
            funding = rows.add("position_funding", position, grant, 1)
            start, end = fiscal_year(CURRENT)
            amount_id = rows.add("position_funding_amounts", funding, start, end, 2_000_000, 1)
            _audit(rows, org, "position_funding_amount", amount_id, {"amount": 2_000_000})


def _expenses(
    rows: Rows, rnd: random.Random, org: int, lines: list[Line], capacity: dict[int, int], expenses: int
) -> None:
    """A year of expenses, three in five charged to a confirmed grant of the year (never
    beyond what is left of it)."""
    start, _end = fiscal_year(CURRENT)
    chargeable = list(capacity)
    for n in range(expenses):
        line, project, category, _code = lines[rnd.randrange(len(lines))]
        pre_tax = rnd.randrange(1_000, 80_000)
        gst, qst, gst_rebate, qst_rebate, net = taxes(pre_tax)
        day = start + timedelta(days=rnd.randrange(365))
        payee = PAYEES[rnd.randrange(len(PAYEES))]
        expense = rows.add(
            "expenses", org, project, category, line, day, payee, f"Dépense {n + 1}",
            pre_tax, gst, qst, gst_rebate, qst_rebate, net, "transfer", CREATED, 1,
        )  # fmt: skip
        _audit(rows, org, "expense", expense, {"net_cost": net})
        if n % 5 < 3:
            grant = chargeable[rnd.randrange(len(chargeable))]
            amount = net if n % 3 else net // 2
            if 0 < amount <= capacity[grant]:
                capacity[grant] -= amount
                charge = rows.add("expense_charges", expense, grant, amount, 1)
                _audit(rows, org, "expense_charge", charge, {"amount": amount})


def interleave(rows: Rows) -> None:
    """Put the expenses (and their charges) in the order a federation's server receives them:
    day by day, every organisation's of one day together, rather than organisation after
    organisation. An organisation's expenses are then spread over the whole table, as on a
    real server, and a query reading one organisation's rows cannot lean on their being
    side by side. Ids are given anew in that order; charges and audit entries follow."""
    expenses = rows.tables["expenses"]
    expenses.sort(key=lambda r: (r[5], r[1], r[0]))  # date, organisation, order of entry
    new_id = {row[0]: i for i, row in enumerate(expenses, start=1)}
    rows.tables["expenses"] = [(i, *row[1:]) for i, row in enumerate(expenses, start=1)]
    charges = [(c[0], new_id[c[1]], *c[2:]) for c in rows.tables.get("expense_charges", [])]
    charges.sort(key=lambda c: c[1])
    new_charge = {c[0]: i for i, c in enumerate(charges, start=1)}
    rows.tables["expense_charges"] = [(i, *c[1:]) for i, c in enumerate(charges, start=1)]
    renumbered = {"expense": new_id, "expense_charge": new_charge}
    rows.tables["audit_log"] = [
        (*a[:6], renumbered[a[5]][a[6]], *a[7:]) if a[5] in renumbered else a for a in rows.tables["audit_log"]
    ]


def portfolio_rows(organisations: int, expenses: int | None = None) -> Rows:
    """Every row of a portfolio of ``organisations`` organisations, expenses interleaved."""
    per_org = expenses if expenses is not None else expenses_per_organisation()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    rows = Rows()
    centraide: list[tuple[int, int]] = []
    for k in range(1, organisations + 1):
        funder = _organisation(rows, k, per_org, password_hash)
        if funder is not None:
            centraide.append((rows.ids["organisations"], funder))
    user = rows.add("users", FUNDER_EMAIL, "Centraide (fédération)", "funder", "fr", True, password_hash, CREATED, 1)
    for org, funder in centraide:
        rows.add("user_access", user, org, funder, 1)
    interleave(rows)
    return rows


# --- the database, written and stamped ------------------------------------------------------


def schema_hash() -> str:
    dialect = create_engine("postgresql://").dialect
    ddl = [str(CreateTable(t).compile(dialect=dialect)) for t in Base.metadata.sorted_tables]
    ddl += [
        str(CreateIndex(i).compile(dialect=dialect))
        for t in Base.metadata.sorted_tables
        for i in sorted(t.indexes, key=lambda i: str(i.name))
    ]
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:12]


def stamp(organisations: int, expenses: int) -> str:
    return f"fundtrack portfolio v{VERSION} organisations={organisations} expenses={expenses} schema={schema_hash()}"


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _tables_in_order(rows: Rows) -> Iterator[str]:
    for table in Base.metadata.sorted_tables:
        if table.name in rows.tables:
            yield table.name


@dataclass(frozen=True)
class Loaded:
    """How a portfolio was written: rows, seconds generating them, seconds loading them
    (COPY into the schema with its keys and constraints, its indexes built
    and its foreign keys checked afterwards, then VACUUM ANALYZE), and seconds
    of a bare COPY of the same rows into tables without any (None when not measured)."""

    rows: int
    generated: float
    loaded: float
    bare: float | None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.loaded


def write(engine: Engine, rows: Rows, *, bare: bool = True) -> tuple[float, float | None]:
    """COPY ``rows`` into the (empty) schema of ``engine``; with ``bare``, first time the same
    COPY into plain copies of the tables (no key, constraint or index) in a schema dropped
    afterwards. Returns the seconds of each."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        bare_seconds = None
        if bare:
            cursor.execute("CREATE SCHEMA bare")
            for table in _tables_in_order(rows):
                cursor.execute(f'CREATE TABLE bare."{table}" (LIKE public."{table}" INCLUDING DEFAULTS)')
            raw.commit()
            started = time.perf_counter()
            cursor.execute("SET search_path = bare")
            for table in _tables_in_order(rows):
                _copy(cursor, table, COLUMNS[table], rows.tables[table])
            raw.commit()
            bare_seconds = time.perf_counter() - started
            cursor.execute("SET search_path = public")
            cursor.execute("DROP SCHEMA bare CASCADE")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 1, false)"
            )  # the bare copy drew ids
            raw.commit()
        started = time.perf_counter()
        # as a restore does: the rows copied under their keys, unique and check constraints,
        # then the secondary indexes built and the foreign keys checked, each in one pass
        indexes = [i for t in Base.metadata.sorted_tables for i in t.indexes]
        for index in indexes:
            cursor.execute(str(DropIndex(index).compile(dialect=engine.dialect)))
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
        foreign_keys = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table in _tables_in_order(rows):
            _copy(cursor, table, COLUMNS[table], rows.tables[table])
            if "id" in COLUMNS[table]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
                )
        for index in indexes:
            cursor.execute(str(CreateIndex(index).compile(dialect=engine.dialect)))
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        raw.commit()
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cursor.execute("VACUUM ANALYZE")
        loaded = time.perf_counter() - started
    finally:
        raw.close()
    return loaded, bare_seconds


def database_of(server: str, name: str) -> str:
    return make_url(database_url(server)).set(database=name).render_as_string(hide_password=False)


def ensure(
    server: str, organisations: int, expenses: int | None = None, *, name: str | None = None
) -> tuple[str, Loaded | None]:
    """The URL of a portfolio database of ``organisations`` organisations on ``server``, made
    unless a database of that name carries the same stamp. Returns it with how it was loaded
    (None when reused)."""
    per_org = expenses if expenses is not None else expenses_per_organisation()
    name = name or f"fundtrack_bench_portfolio_{organisations}"
    wanted = stamp(organisations, per_org)
    admin = create_engine(database_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if found is not None and found[0] == wanted:
                return database_of(server, name), None
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = database_of(server, name)
        started = time.perf_counter()
        rows = portfolio_rows(organisations, per_org)
        generated = time.perf_counter() - started
        engine = make_engine(url)
        try:
            Base.metadata.create_all(engine)
            loaded, bare = write(engine, rows)
        finally:
            engine.dispose()
        with admin.connect() as conn:
            literal = wanted.replace("'", "''")
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'"))
        return url, Loaded(rows.count(), generated, loaded, bare)
    finally:
        admin.dispose()

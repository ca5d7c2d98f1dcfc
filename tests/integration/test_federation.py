"""A funder across organisations: Centraide funds two neighbourhood tables hosted on one
database; one account reaches both, and its report covers both in one workbook."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fundtrack.cli import main
from fundtrack.db import unit_of_work
from fundtrack.errors import InputError, NotFound
from fundtrack.i18n import set_lang
from fundtrack.models.audit import AuditLog
from fundtrack.models.users import User, UserAccess
from fundtrack.queries.scope import Scope
from fundtrack.reports.funder import funder_report
from fundtrack.reports.funder_portfolio import (
    FunderPortfolio,
    funder_portfolio,
    parts_named,
    parts_of_account,
    write_funder_portfolio,
)
from fundtrack.reports.funder_xlsx import write_funder_report
from fundtrack.reports.printcheck import check_print
from fundtrack.roles import Role
from fundtrack.services import interchange
from fundtrack.services.context import NotAllowed, acting_for, acting_for_account
from fundtrack.services.users import NewAccess, NewUser, accesses, create_user, grant_access

from .test_cli import schema_from_models

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "parc-extension.yaml"
PARC_EX = "Table de quartier de Parc-Extension"
SAINT_MICHEL = "Vivre Saint-Michel en santé"
CENTRAIDE = "Centraide du Grand Montréal"
AS_OF = date(2026, 11, 25)
CHEAP = "pbkdf2:sha256:1000"
PASSWORD = "mot-de-passe-de-test"


def second_table() -> dict[str, Any]:
    """The example under another name, with no expense yet and the July instalment of the PIC
    not yet received: its figures differ from the first table's."""
    document = copy.deepcopy(interchange.read_file(EXAMPLE))
    document["organisation"]["name"] = SAINT_MICHEL
    document.pop("expenses", None)
    pic = next(g for g in document["grants"] if g["reference"] == "PIC-2025-2028")
    july = next(i for i in pic["instalments"] if i["expected_date"] == "2026-07-15")
    july.pop("received_date")
    july.pop("received_amount")
    return document


def load_two(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        first = interchange.load_document(session, interchange.read_file(EXAMPLE)).organisation_id
    with unit_of_work(factory) as session:
        second = interchange.load_document(session, second_table()).organisation_id
    return first, second


@pytest.fixture
def two(factory: sessionmaker[Session]) -> tuple[int, int]:
    """Both tables, and Centraide's login of the first (centraide@...)."""
    first, second = load_two(factory)
    with unit_of_work(factory) as session:
        acting = acting_for(session, organisation_id=first)
        create_user(
            session, acting, NewUser("centraide@example.org", "Centraide", "funder", CENTRAIDE), PASSWORD, method=CHEAP
        )
        create_user(
            session, acting, NewUser("tresoriere@example.org", "Trésorière", "treasurer"), PASSWORD, method=CHEAP
        )
        create_user(
            session,
            acting,
            NewUser("ville@example.org", "Ville", "funder", "Ville de Montréal"),
            PASSWORD,
            method=CHEAP,
        )
    return first, second


def as_role(session: Session, organisation_id: int, role: Role) -> Any:
    return acting_for(
        session,
        organisation_id=organisation_id,
        role=role,
        actor=role.value,
        funder=CENTRAIDE if role is Role.FUNDER else None,
    )


def access_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserAccess)) or 0


def user(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def test_the_second_tables_treasurer_lets_centraides_login_reach_it_as_its_own_centraide(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    _, second = two
    with unit_of_work(factory) as session:
        grant_access(session, as_role(session, second, Role.TREASURER), NewAccess("Centraide@Example.org"))
    with factory() as session:
        reach = accesses(session, user(session, "centraide@example.org"))
        assert [(a.organisation, a.funder) for a in reach] == [(PARC_EX, CENTRAIDE), (SAINT_MICHEL, CENTRAIDE)]
        # logged in, it reads the second table as that table's Centraide: its grants only
        acting = acting_for_account(session, user(session, "centraide@example.org"), second)
        assert acting.organisation_name == SAINT_MICHEL
        centraide_there = next(a.funder_id for a in reach if a.organisation_id == second)
        assert acting.scope == Scope(second, centraide_there)
        # the second table's audit log says who let the account in
        logged = session.execute(
            select(AuditLog.organisation_id, AuditLog.actor, AuditLog.action).where(AuditLog.entity == "user_access")
        ).all()
        assert (second, "treasurer", "create") in [tuple(r) for r in logged]


def test_a_funders_login_may_be_given_another_organisations_funder_by_name(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    _, second = two
    with unit_of_work(factory) as session:
        access = grant_access(
            session, as_role(session, second, Role.TREASURER), NewAccess("centraide@example.org", "Ville de Montréal")
        )
        assert access.funder is not None and access.funder.name == "Ville de Montréal"


def test_a_treasurer_may_reach_a_second_organisation_too(factory: sessionmaker[Session], two: tuple[int, int]) -> None:
    _, second = two
    with unit_of_work(factory) as session:
        grant_access(session, as_role(session, second, Role.TREASURER), NewAccess("tresoriere@example.org"))
    with factory() as session:
        account = user(session, "tresoriere@example.org")
        assert [(a.organisation, a.funder) for a in accesses(session, account)] == [
            (PARC_EX, None),
            (SAINT_MICHEL, None),
        ]
        assert acting_for_account(session, account, second).scope == Scope(second, None)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BOARD, Role.FUNDER])
def test_only_the_treasurer_of_the_organisation_grants_access_to_it(
    factory: sessionmaker[Session], two: tuple[int, int], role: Role
) -> None:
    _, second = two
    with factory() as session:
        before = access_count(session)
    with pytest.raises(NotAllowed), unit_of_work(factory) as session:
        grant_access(session, as_role(session, second, role), NewAccess("centraide@example.org"))
    with factory() as session:
        assert access_count(session) == before


@pytest.mark.parametrize(
    ("email", "funder", "error", "field"),
    [
        ("personne@example.org", None, NotFound, "email"),  # no such account
        ("centraide@example.org", "Fondation inconnue", NotFound, "funder"),  # no such funder there
        ("tresoriere@example.org", CENTRAIDE, InputError, "funder"),  # a treasurer is no funder
    ],
)
def test_a_grant_of_access_that_cannot_be_is_refused_with_nothing_written(
    factory: sessionmaker[Session],
    two: tuple[int, int],
    email: str,
    funder: str | None,
    error: type[Exception],
    field: str,
) -> None:
    _, second = two
    with factory() as session:
        before = access_count(session)
    with pytest.raises(error) as caught, unit_of_work(factory) as session:
        grant_access(session, as_role(session, second, Role.TREASURER), NewAccess(email, funder))
    assert caught.value.field == field  # type: ignore[attr-defined]
    with factory() as session:
        assert access_count(session) == before


def test_an_account_already_reaching_the_organisation_is_told_so(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    first, _ = two
    with pytest.raises(InputError) as caught, unit_of_work(factory) as session:
        grant_access(session, as_role(session, first, Role.TREASURER), NewAccess("centraide@example.org"))
    assert "centraide@example.org" in caught.value.message("en")


def sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's rows, as a reader that does not recalculate shows them (stored values)."""
    book = load_workbook(BytesIO(content), data_only=True)
    return {ws.title: [tuple(c for c in row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def single(session: Session, organisation_id: int) -> tuple[Any, bytes]:
    report = funder_report(session, Scope(organisation_id, None), CENTRAIDE, as_of=AS_OF)
    out = BytesIO()
    write_funder_report(report, out)
    return report, out.getvalue()


def portfolio_bytes(portfolio: FunderPortfolio) -> bytes:
    out = BytesIO()
    write_funder_portfolio(portfolio, out)
    return out.getvalue()


def test_centraides_workbook_across_both_tables_has_each_tables_report_and_a_summary_that_adds_them(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    first, second = two
    with factory() as session:
        portfolio = funder_portfolio(session, parts_named(session, CENTRAIDE), as_of=AS_OF)
        content = portfolio_bytes(portfolio)
        alone = [single(session, first), single(session, second)]
    book = sheets(content)
    assert list(book) == ["Sommaire", PARC_EX[:31], SAINT_MICHEL[:31]]  # a sheet name holds 31 characters
    # each table's sheet is the summary sheet of that table's own funder report, cell for cell
    for name, (_, workbook) in zip([PARC_EX[:31], SAINT_MICHEL], alone, strict=True):
        assert book[name] == sheets(workbook)["Sommaire"]
    # the summary: a column per table and the total, from each table's report's totals
    summary = book["Sommaire"]
    header = next(r for r in summary if r and r[0] == "Montant")
    assert header[1:] == (PARC_EX, SAINT_MICHEL, "Total")
    rows = {r[0]: r[1:] for r in summary[summary.index(header) + 1 :] if r and r[0]}
    reports = [r for r, _ in alone]
    granted = [r.total_amount for r in reports]
    received = [r.total_received for r in reports]
    charged = [sum((g.spent_to_date for g in r.grants), Decimal(0)) for r in reports]
    remaining = [sum((g.balance for g in r.grants), Decimal(0)) for r in reports]
    for label, figures in [("Accordé", granted), ("Reçu", received), ("Imputé", charged), ("Solde", remaining)]:
        assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in rows[label]] == [*figures, sum(figures)], label
    # the two tables' figures differ (a report read twice from one table would not)
    assert received[0] - received[1] == Decimal("37500.00")
    assert charged[0] > charged[1] == 0


def test_the_summarys_figures_are_formulas_pointing_at_each_tables_sheet(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    with factory() as session:
        content = portfolio_bytes(funder_portfolio(session, parts_named(session, CENTRAIDE), as_of=AS_OF))
    book = load_workbook(BytesIO(content))
    summary = book["Sommaire"]
    formulas = [
        c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert len(formulas) == 12  # four figures, two tables and the total
    for formula in formulas:
        name = formula[1:]
        if not name.startswith("SUM("):
            assert name in book.defined_names, name


def test_the_workbook_follows_the_language_asked_for(factory: sessionmaker[Session], two: tuple[int, int]) -> None:
    with factory() as session:
        content = portfolio_bytes(funder_portfolio(session, parts_named(session, CENTRAIDE), as_of=AS_OF, lang="en"))
    book = sheets(content)
    assert next(iter(book)) == "Summary"
    labels = [row[0] for row in book["Summary"]]
    assert {"Granted", "Received", "Charged", "Remaining"} <= set(labels)
    assert book[PARC_EX[:31]][0][0] == "Report to the funder"


def test_a_funders_login_across_organisations_reads_its_own_grants_in_each(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    first, second = two
    with unit_of_work(factory) as session:
        grant_access(session, as_role(session, second, Role.TREASURER), NewAccess("ville@example.org"))
    with factory() as session:
        parts = parts_of_account(session, user(session, "ville@example.org").id)
        assert [p.scope.organisation_id for p in parts] == [first, second]
        assert all(p.scope.funder_id is not None and p.funder == "Ville de Montréal" for p in parts)
        portfolio = funder_portfolio(session, parts, as_of=AS_OF)
        assert all(r.funder == "Ville de Montréal" and not r.shows_others for r in portfolio.reports)
        assert not any(g.reference.startswith("PIC") for r in portfolio.reports for g in r.grants)


def test_a_name_no_organisation_has_as_funder_is_not_found(
    factory: sessionmaker[Session], two: tuple[int, int]
) -> None:
    with factory() as session, pytest.raises(NotFound):
        parts_named(session, "Fondation inconnue")


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.delenv("FUNDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDTRACK_LANG", raising=False)
    url = f"sqlite:///{tmp_path / 'tables.sqlite3'}"
    schema_from_models(url)
    from fundtrack.db import make_engine, session_factory

    engine = make_engine(url)
    factory = session_factory(engine)
    first, _ = load_two(factory)
    with unit_of_work(factory) as session:
        acting = acting_for(session, organisation_id=first)
        create_user(
            session, acting, NewUser("centraide@example.org", "Centraide", "funder", CENTRAIDE), PASSWORD, method=CHEAP
        )
    engine.dispose()
    yield url
    set_lang("fr")


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database", db, *args], catch_exceptions=False)


def test_the_command_grants_access_to_a_second_organisation(cli_db: str) -> None:
    result = run(
        cli_db, "--lang", "en", "user", "grant-access", "centraide@example.org", "--organisation", SAINT_MICHEL
    )
    assert result.exit_code == 0, result.output
    assert f"Access granted: centraide@example.org to {SAINT_MICHEL}, as {CENTRAIDE}" in result.output
    again = run(cli_db, "--lang", "en", "user", "grant-access", "centraide@example.org", "--organisation", SAINT_MICHEL)
    assert again.exit_code == 1
    assert "already reaches" in again.stderr


def test_a_coordinator_cannot_grant_access_from_the_command(cli_db: str) -> None:
    result = run(
        cli_db, "--role", "coordinator", "user", "grant-access", "centraide@example.org", "--organisation", SAINT_MICHEL
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_the_command_writes_the_workbook_across_organisations(cli_db: str, tmp_path: Path) -> None:
    target = tmp_path / "centraide.xlsx"
    args = ["report", "funder", CENTRAIDE, "--all-organisations", "--as-of", "2026-11-25", "-o", str(target)]
    result = run(cli_db, *args)
    assert result.exit_code == 0, result.output
    assert list(sheets(target.read_bytes())) == ["Sommaire", PARC_EX[:31], SAINT_MICHEL]
    # without the option, a database of two organisations asks which one
    alone = run(cli_db, "report", "funder", CENTRAIDE, "-o", str(tmp_path / "one.xlsx"))
    assert alone.exit_code == 1


def test_the_command_writes_the_workbook_of_a_funders_login_for_the_organisations_it_reaches(
    cli_db: str, tmp_path: Path
) -> None:
    target = tmp_path / "centraide.xlsx"
    args = ["report", "funder", "centraide@example.org", "--all-organisations", "--as-of", "2026-11-25"]
    assert run(cli_db, *args, "-o", str(target)).exit_code == 0
    assert list(sheets(target.read_bytes())) == ["Sommaire", PARC_EX[:31]]  # it reaches the first table only
    assert run(cli_db, "user", "grant-access", "centraide@example.org", "--organisation", SAINT_MICHEL).exit_code == 0
    assert run(cli_db, *args, "-o", str(target)).exit_code == 0
    assert list(sheets(target.read_bytes())) == ["Sommaire", PARC_EX[:31], SAINT_MICHEL]
    unknown = run(cli_db, "--lang", "en", *args[:2], "personne@example.org", *args[3:], "-o", str(target))
    assert unknown.exit_code == 1 and "no funder's login 'personne@example.org'" in unknown.stderr


def test_one_grant_does_not_go_with_every_organisation(cli_db: str, tmp_path: Path) -> None:
    target = tmp_path / "centraide.xlsx"
    result = run(
        cli_db, "report", "funder", CENTRAIDE, "--all-organisations", "--grant", "PIC-2025-2028", "-o", str(target)
    )
    assert result.exit_code == 1 and "--all-organisations" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_sheet_of_the_workbook_prints_legibly(
    factory: sessionmaker[Session], two: tuple[int, int], lang: str
) -> None:
    with factory() as session:
        content = portfolio_bytes(
            funder_portfolio(session, parts_named(session, CENTRAIDE), as_of=AS_OF, lang=lang)  # type: ignore[arg-type]
        )
    printed = check_print(BytesIO(content))
    assert len(printed) == 3
    for sheet in printed:
        assert sheet.font_pt >= 8.0, (sheet.name, sheet.scale)
        assert not sheet.problems, [str(p) for p in sheet.problems]

"""The simulation workbook's data: hiring scenarios side by side, and who pays each month.

Assembled from :mod:`fundtrack.services.staffing` (plain values, nothing rendered):
for each scenario and fiscal year, the payroll cost (pay, employer contributions,
benefits), the money confirmed and requested that pays it and both gaps; and for one
scenario, month by month and position by position, what each funder pays (every
request granted) and what nobody covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fundtrack.i18n import Lang, check_lang, msg, translate
from fundtrack.models import Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.services.simulation import default_range, simulate_scenario

M_CURRENT_PLAN = msg("report.simulation.current_plan")


@dataclass(frozen=True)
class ScenarioYear:
    scenario: str
    year: str
    pay: Decimal  # gross + vacation pay
    contributions: Decimal
    benefits: Decimal
    confirmed: Decimal
    requested: Decimal
    gap_confirmed: Decimal
    gap_requested: Decimal

    @property
    def cost(self) -> Decimal:
        return self.pay + self.contributions + self.benefits


@dataclass(frozen=True)
class PositionMonth:
    """One position's month: its cost, each funder's part (in ``funders`` order), the uncovered part."""

    month: str
    position: str
    cost: Decimal
    paid: tuple[Decimal, ...]
    uncovered: Decimal


@dataclass(frozen=True)
class SimulationReport:
    organisation: str
    lang: Lang
    as_of: date
    period: DateRange
    scenarios: tuple[str, ...]
    years: tuple[ScenarioYear, ...]
    detail_scenario: str
    funders: tuple[str, ...]
    months: tuple[PositionMonth, ...]

    def month_totals(self) -> list[tuple[str, tuple[Decimal, ...], Decimal]]:
        """Each month: every funder's part over all positions, and the uncovered part."""
        out: dict[str, tuple[list[Decimal], Decimal]] = {}
        for m in self.months:
            paid, uncovered = out.setdefault(m.month, ([ZERO] * len(self.funders), ZERO))
            for i, amount in enumerate(m.paid):
                paid[i] += amount
            out[m.month] = (paid, uncovered + m.uncovered)
        return [(month, tuple(paid), uncovered) for month, (paid, uncovered) in sorted(out.items())]


def simulation_report(
    session: Session,
    scope: Scope,
    scenarios: Sequence[str | None],
    *,
    as_of: date,
    period: DateRange | None = None,
    lang: Lang | None = None,
) -> SimulationReport:
    """Scenarios (None is the current plan) over ``period`` (default: three fiscal years).

    The month-by-month detail is that of the first scenario. Raises NotFound for an
    unknown scenario and RuleViolation for a funder's login (see the staffing service).
    """
    org = session.get_one(Organisation, scope.organisation_id)
    code = check_lang(lang or org.language.value)
    rng = period or default_range(org, as_of)
    names = list(scenarios) or [None]
    runs = [simulate_scenario(session, scope, name, rng=rng) for name in names]
    labels = [name or translate(M_CURRENT_PLAN, code) for name in names]
    years = [
        ScenarioYear(
            label,
            y.year.label,
            y.cost.gross + y.cost.vacation,
            y.cost.contributions,
            y.cost.benefits,
            sum((a for _, a in y.confirmed), ZERO),
            sum((a for _, a in y.requested), ZERO),
            y.gap_confirmed,
            y.gap_requested,
        )
        for label, run in zip(labels, runs, strict=True)
        for y in run.years
    ]
    years.sort(key=lambda y: (y.year, labels.index(y.scenario)))
    first = runs[0]
    who_pays = first.simulation.who_pays()
    funders = tuple(dict.fromkeys(line.funder for _, paid in who_pays for line, _ in paid))
    index = {f: i for i, f in enumerate(funders)}
    months = []
    for cover, paid in who_pays:
        parts = [ZERO] * len(funders)
        for line, amount in paid:
            parts[index[line.funder]] += amount
        months.append(
            PositionMonth(
                cover.month.label, first.plan.title(cover.position, code), cover.cost, tuple(parts), cover.gap
            )
        )
    months.sort(key=lambda m: (m.month, m.position))
    return SimulationReport(org.name, code, as_of, rng, tuple(labels), tuple(years), labels[0], funders, tuple(months))

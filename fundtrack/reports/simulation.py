"""The simulation workbook's data: hiring scenarios side by side, and who pays each month.

Assembled from :mod:`fundtrack.services.simulation` (plain values, nothing rendered):
for each scenario and fiscal year, the payroll cost (pay, employer contributions,
benefits), the money confirmed and requested that pays it and both gaps, and the same
over the whole period; and for one scenario, month by month and position by position,
what each funder's confirmed money pays, what each funder's request would pay, and
what is left uncovered if only confirmed money comes and if every request is granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fundtrack.calc.staffing import FundingLine
from fundtrack.i18n import Lang, check_lang, msg, translate
from fundtrack.models import Organisation
from fundtrack.money import ZERO
from fundtrack.periods import DateRange
from fundtrack.queries.scope import Scope
from fundtrack.services.simulation import default_range, simulate_scenario

M_CURRENT_PLAN = msg("report.simulation.current_plan")


@dataclass(frozen=True)
class ScenarioYear:
    """One scenario's fiscal year (``year`` its label) or, summed, its whole period."""

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
    """One position's month: its cost, each funder's confirmed part (in ``confirmed_funders``
    order) and requested part (in ``requested_funders`` order)."""

    month: str
    position: str
    cost: Decimal
    confirmed: tuple[Decimal, ...]
    requested: tuple[Decimal, ...]

    @property
    def uncovered_confirmed(self) -> Decimal:
        """Uncovered if only confirmed money comes."""
        return self.cost - sum(self.confirmed, ZERO)

    @property
    def uncovered_requested(self) -> Decimal:
        """Uncovered if every request is granted."""
        return self.uncovered_confirmed - sum(self.requested, ZERO)


@dataclass(frozen=True)
class SimulationReport:
    organisation: str
    lang: Lang
    as_of: date
    period: DateRange
    scenarios: tuple[str, ...]
    years: tuple[ScenarioYear, ...]
    detail_scenario: str
    confirmed_funders: tuple[str, ...]
    requested_funders: tuple[str, ...]
    months: tuple[PositionMonth, ...]

    def totals(self) -> list[ScenarioYear]:
        """Each scenario over the whole period (``year`` is ``first – last`` fiscal year)."""
        out = []
        for name in self.scenarios:
            mine = [y for y in self.years if y.scenario == name]
            sums = [sum((getattr(y, f) for y in mine), ZERO) for f in _SUMMED]
            span = f"{mine[0].year} – {mine[-1].year}" if mine else ""
            out.append(ScenarioYear(name, span, *sums))
        return out

    def month_totals(self) -> list[PositionMonth]:
        """Each month over all positions (``position`` is empty)."""
        out: dict[str, PositionMonth] = {}
        for m in self.months:
            total = out.get(m.month)
            if total is None:
                out[m.month] = PositionMonth(m.month, "", m.cost, m.confirmed, m.requested)
            else:
                out[m.month] = PositionMonth(
                    m.month,
                    "",
                    total.cost + m.cost,
                    tuple(a + b for a, b in zip(total.confirmed, m.confirmed, strict=True)),
                    tuple(a + b for a, b in zip(total.requested, m.requested, strict=True)),
                )
        return [out[month] for month in sorted(out)]


_SUMMED = ("pay", "contributions", "benefits", "confirmed", "requested", "gap_confirmed", "gap_requested")


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
    monthly = first.simulation.monthly()
    confirmed_funders = tuple(dict.fromkeys(line.funder for m in monthly for line, _ in m.confirmed))
    requested_funders = tuple(dict.fromkeys(line.funder for m in monthly for line, _ in m.requested))
    months = [
        PositionMonth(
            m.month.label,
            first.plan.title(m.position, code),
            m.cost,
            _by_funder(m.confirmed, confirmed_funders),
            _by_funder(m.requested, requested_funders),
        )
        for m in monthly
    ]
    months.sort(key=lambda m: (m.month, m.position))
    return SimulationReport(
        org.name,
        code,
        as_of,
        rng,
        tuple(labels),
        tuple(years),
        labels[0],
        confirmed_funders,
        requested_funders,
        tuple(months),
    )


def _by_funder(paid: Sequence[tuple[FundingLine, Decimal]], funders: Sequence[str]) -> tuple[Decimal, ...]:
    parts = dict.fromkeys(funders, ZERO)
    for line, amount in paid:
        parts[line.funder] += amount
    return tuple(parts.values())

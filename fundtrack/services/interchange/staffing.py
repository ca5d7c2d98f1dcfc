"""The staffing plan's sections of the interchange file: payroll rates, positions, scenarios.

``payroll_rates`` holds only what differs from the shipped tables (the treasurer's
overrides, or a year fundtrack does not ship); ``positions`` the current plan with its
funding; ``scenarios`` the named hiring scenarios with their changes. They come after
the grants, which positions and scenarios name by reference.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fundtrack.models.staffing import PayrollRateTable, PositionFunding, ScenarioChange
from fundtrack.periods import DateRange
from fundtrack.queries.staffing import list_positions, list_scenarios
from fundtrack.rates import PARAMETERS, shipped_rates
from fundtrack.schemas.staffing import PayrollRatesSchema, PositionSchema, RatesChange, ScenarioSchema
from fundtrack.services.context import Acting
from fundtrack.services.interchange.section import Section, plain
from fundtrack.services.payroll_rates import set_payroll_rates
from fundtrack.services.staffing import CHANGE_COLUMNS, create_position, create_scenario


def _write_rates(session: Session, acting: Acting, cmd: RatesChange) -> None:
    set_payroll_rates(session, acting, cmd)


def _dump_rates(session: Session, org: Acting) -> list[dict[str, Any]]:
    shipped = shipped_rates()
    out = []
    query = select(PayrollRateTable).where(
        PayrollRateTable.organisation_id == org.organisation_id, PayrollRateTable.edited.is_(True)
    )
    for row in session.scalars(query.order_by(PayrollRateTable.year)):
        base = shipped.get(row.year)
        record: dict[str, Any] = {"year": row.year}
        for name in PARAMETERS:
            value = getattr(row, name)
            if base is None or value != getattr(base, name):
                record[name] = value
        sources = dict(row.sources or {})
        if base is not None:
            sources = {k: v for k, v in sources.items() if dict(base.sources).get(k) != v}
        record["sources"] = sources or None
        out.append(plain(record))
    return out


def _periods(org: Acting, rng: DateRange) -> dict[str, Any]:
    year = org.calendar.year_of(rng.start)
    if (year.start, year.end) == (rng.start, rng.end):
        return {"fiscal_year": year.label}
    return {"start": rng.start, "end": rng.end}


def _funding_data(org: Acting, funding: list[PositionFunding]) -> list[dict[str, Any]]:
    return [
        {
            "grant": f.grant.reference,
            "share": f.share,
            "amounts": [{**_periods(org, a.period), "amount": a.amount} for a in f.amounts],
        }
        for f in funding
    ]


def _dump_positions(session: Session, org: Acting) -> list[dict[str, Any]]:
    out = []
    for p in list_positions(session, org.scope):
        out.append(
            plain(
                {
                    "key": p.key,
                    "title_fr": p.title_fr,
                    "title_en": p.title_en,
                    "employee": p.employee,
                    "status": p.status.value,
                    "annual_salary": p.annual_salary,
                    "hourly_rate": p.hourly_rate,
                    "weekly_hours": p.weekly_hours,
                    "start_date": p.start_date,
                    "end_date": p.end_date,
                    "vacation_rate": p.vacation_rate or None,
                    "benefits_rate": p.benefits_rate or None,
                    "raise_rate": p.raise_rate or None,
                    "raise_on": f"{p.raise_month:02d}-{p.raise_day or 1:02d}" if p.raise_month else None,
                    "pay_as_of": p.pay_as_of,
                    "notes": p.notes,
                    "funding": _funding_data(org, p.funding),
                }
            )
        )
    return out


def _dump_scenarios(session: Session, org: Acting) -> list[dict[str, Any]]:
    out = []
    for scenario in list_scenarios(session, org.scope):
        changes = session.scalars(
            select(ScenarioChange)
            .where(ScenarioChange.scenario_id == scenario.id)
            .options(selectinload(ScenarioChange.funding).selectinload(PositionFunding.amounts))
            .order_by(ScenarioChange.seq)
        )
        out.append(
            plain(
                {
                    "name": scenario.name,
                    "description": scenario.description,
                    "changes": [
                        {
                            "kind": c.kind.value,
                            "position": c.position_key,
                            **{k: getattr(c, k) for k in CHANGE_COLUMNS},
                            "funding": _funding_data(org, c.funding),
                        }
                        for c in changes
                    ],
                }
            )
        )
    return out


PAYROLL_RATES = Section("payroll_rates", PayrollRatesSchema, _write_rates, _dump_rates)
POSITIONS = Section("positions", PositionSchema, create_position, _dump_positions)
SCENARIOS = Section("scenarios", ScenarioSchema, create_scenario, _dump_scenarios)

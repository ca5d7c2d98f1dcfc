"""The hiring simulator: the coordinator's page.

A hire typed in the form (title, pay, hours, dates, vacation and benefits rates, the
grants that would pay it), on top of the current plan or of a saved scenario, or a saved
scenario alone. Every figure comes from fundtrack (:mod:`fundtrack.services.simulation`,
the functions ``fundtrack simulate`` calls): the cost per fiscal year with employer
contributions, who pays each month, both gaps, the runway, the three answers, a chart.
The hire can be saved as a scenario (whoever writes the staffing plan), saved scenarios
compared side by side, and the simulation workbook downloaded (``fundtrack report
simulation``). A refusal is shown beside the field it is about, in the library's words.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from sqlalchemy import select
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import BaseForm, MoneyField, RateField
from admin_app.views.base import day, label, money
from admin_app.views.staffing import funding_period
from fundtrack.calc.payroll import DEFAULT_VACATION_RATE
from fundtrack.errors import FieldError, FundtrackError, InputError, ValidationFailed
from fundtrack.i18n import Lang, check_lang, lazy, translate
from fundtrack.models import Grant, GrantStatus, Organisation
from fundtrack.models.staffing import ChangeKind, ScenarioChange
from fundtrack.money import format_percent
from fundtrack.periods import DateRange
from fundtrack.queries.staffing import list_scenarios, scenario_by_name
from fundtrack.reports.simulation import simulation_report
from fundtrack.reports.simulation_xlsx import write_simulation_report
from fundtrack.reports.svg import COLOURS, Bars, Line, bar_chart
from fundtrack.roles import Action, Role
from fundtrack.schemas.common import load_or_raise
from fundtrack.schemas.staffing import ChangeSchema, NewChange, NewFunding, NewScenario, PeriodAmount
from fundtrack.services.simulation import (
    HiringAnswers,
    StaffingRun,
    compare_scenarios,
    default_range,
    free_position_key,
    hire_change,
    month_totals,
    run_answers,
    simulate_scenario,
    year_totals,
)
from fundtrack.services.staffing import create_scenario

FUNDING_ROWS = 4
MOST_YEARS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FundingRowForm(Form):  # type: ignore[misc]
    """One grant's money for the hire: an amount in a fiscal year, a share of its cost, or both."""

    grant = SelectField(label("term.grant"), choices=[], validate_choice=False)
    fiscal_year = StringField(label("term.fiscal_year"), validators=[Optional()])
    amount = MoneyField(label("label.amount"), validators=[Optional()])
    share = RateField(label("admin.simulator.share"), validators=[Optional()])


class SimulatorForm(BaseForm):
    scenario = SelectField(label("term.scenario"), choices=[], validate_choice=False)
    first_year = StringField(label("admin.simulator.first_year"))
    years = IntegerField(label("admin.simulator.years"), default=3, validators=[NumberRange(1, MOST_YEARS)])
    title = StringField(label("admin.simulator.title"), validators=[Optional()])
    hourly_rate = MoneyField(label("admin.simulator.hourly_rate"), validators=[Optional()])
    weekly_hours = StringField(label("admin.simulator.weekly_hours"), validators=[Optional()])
    annual_salary = MoneyField(label("admin.simulator.annual_salary"), validators=[Optional()])
    start_date = DateField(label("label.start"), validators=[Optional()])
    end_date = DateField(label("label.end"), validators=[Optional()])
    vacation_rate = RateField(label("admin.simulator.vacation_rate"), validators=[Optional()])
    benefits_rate = RateField(label("admin.simulator.benefits_rate"), validators=[Optional()])
    funding = FieldList(FormField(FundingRowForm), min_entries=FUNDING_ROWS, max_entries=FUNDING_ROWS)
    save_name = StringField(label("admin.simulator.save_name"), validators=[Optional()])


# The hire's fields, by the field of the staffing schema they fill.
HIRE_FIELDS = {
    "position": "title",
    "title_fr": "title",
    "title_en": "title",
    "kind": "title",
    "annual_salary": "annual_salary",
    "hourly_rate": "hourly_rate",
    "weekly_hours": "weekly_hours",
    "start_date": "start_date",
    "end_date": "end_date",
    "vacation_rate": "vacation_rate",
    "benefits_rate": "benefits_rate",
    "name": "save_name",
    "scenario": "scenario",
    "first_year": "first_year",
}
_PATH = re.compile(r"^funding\[(\d+)\](?:\.(grant|share|amounts)(?:\[(\d+)\](?:\.(fiscal_year|amount|start|end))?)?)?")


@dataclass
class Hire:
    """The hire the form describes: the staffing schema's command, its calc change, and for
    each funding entry of the command the form rows it came from (for placing refusals)."""

    title: str
    command: NewChange
    rows: list[list[int]] = field(default_factory=list)


@dataclass
class Result:
    """What the page shows for one simulation (all of it computed by fundtrack)."""

    run: StaffingRun
    years: list[Any]
    months: list[Any]
    monthly: list[Any]
    answers: list[HiringAnswers]
    runway: list[tuple[str, str | None, str | None]]
    funders: list[tuple[str, str, list[Any]]]
    chart: str
    hire: Hire | None = None


class SimulatorPage(BaseView):  # type: ignore[misc]
    def __init__(self, category: Any = None) -> None:
        super().__init__(name=lazy("admin.menu.simulator"), category=category, endpoint="simulator", url="/simulator")

    def is_accessible(self) -> bool:
        return acting().role is not Role.FUNDER

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        abort(404)

    # --- the form --------------------------------------------------------------------------

    def _form(self, org: Organisation) -> SimulatorForm:
        form = SimulatorForm(request.form if request.method == "POST" else None)
        scope = acting().scope
        form.scenario.choices = [("", translate("report.simulation.current_plan"))] + [
            (s.name, s.name) for s in list_scenarios(db.session, scope)
        ]
        grants = db.session.scalars(
            select(Grant)
            .where(Grant.organisation_id == org.id, Grant.status != GrantStatus.DECLINED)
            .order_by(Grant.reference)
        )
        choices = [("", "—")] + [
            (g.reference, f"{g.reference} ({translate(f'grant_status.{g.status.value}')})") for g in grants
        ]
        for row in form.funding:
            row.form.grant.choices = choices
        if request.method != "POST":
            form.first_year.data = org.calendar.year_of(date.today()).label
            form.vacation_rate.data = form.vacation_rate.data or DEFAULT_VACATION_RATE
        return form

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        who = acting()
        org = db.session.get_one(Organisation, who.organisation_id)
        form = self._form(org)
        result: Result | None = None
        if request.method == "GET" and request.args.get("scenario") is not None:
            form.scenario.data = request.args.get("scenario", "")
            form.first_year.data = request.args.get("first_year") or form.first_year.data
            years = request.args.get("years", "")
            form.years.data = int(years) if years.isdigit() and 1 <= int(years) <= MOST_YEARS else 3
            try:
                result = self._simulate(form, org, None)
            except FundtrackError as exc:
                db.session.rollback()
                _refused(form, exc, [])
        elif request.method == "POST":
            saving = request.form.get("action") == "save"
            if saving and not who.can(Action.STAFFING):
                abort(403)
            if form.validate():
                result = self._run(form, org, saving)
        return self.render(
            "fundtrack/simulator.html",
            form=form,
            result=result,
            may_save=who.can(Action.STAFFING),
            money=money,
            day=day,
            percent=format_percent,
            hours=_hours,
            scenarios=[c for c in form.scenario.choices if c[0]],
        )

    def _run(self, form: SimulatorForm, org: Organisation, saving: bool) -> Result | None:
        rows: list[list[int]] = []  # for each funding entry of the hire, the form rows it came from
        try:
            hire = self._hire(form, org, rows)
            if saving:
                if hire is None:
                    raise InputError("admin.simulator.save_needs_hire", field="title")
                self._save(form, hire)
            return self._simulate(form, org, hire)
        except FundtrackError as exc:
            db.session.rollback()
            _refused(form, exc, rows)
            return None

    def _range(self, form: SimulatorForm, org: Organisation) -> DateRange:
        text = (form.first_year.data or "").strip()
        start = org.calendar.parse(text, "first_year").start if text else date.today()
        return default_range(org, start, form.years.data or 3)

    def _hire(self, form: SimulatorForm, org: Organisation, rows: list[list[int]]) -> Hire | None:
        """The hire of the form, loaded by the staffing schema (None without a title); ``rows``
        receives, for each funding entry, the form rows it came from."""
        title = (form.title.data or "").strip()
        if not title:
            return None
        scenario = form.scenario.data or None
        key = free_position_key(db.session, acting().scope, title, scenario)
        data: dict[str, Any] = {"kind": ChangeKind.ADD.value, "position": key, "title_fr": title, "title_en": title}
        for name in ("annual_salary", "hourly_rate", "start_date", "end_date", "vacation_rate", "benefits_rate"):
            value = getattr(form, name).data
            if value is not None:
                data[name] = value
        if form.weekly_hours.data:
            data["weekly_hours"] = form.weekly_hours.data.strip().replace(",", ".")
        hire = Hire(title, NewChange(kind="add", position=key), rows)
        entries: dict[str, dict[str, Any]] = {}
        for i, row in enumerate(form.funding):
            sub = row.form
            if not sub.grant.data:
                continue
            entry = entries.get(sub.grant.data)
            if entry is None:
                entry = entries[sub.grant.data] = {"grant": sub.grant.data, "amounts": []}
                hire.rows.append([])
            index = list(entries).index(sub.grant.data)
            if sub.share.data is not None:
                entry["share"] = sub.share.data
            if sub.amount.data is not None or sub.fiscal_year.data:
                entry["amounts"].append({**funding_period(sub.fiscal_year.data), "amount": sub.amount.data})
                hire.rows[index].append(i)
            elif not hire.rows[index]:
                hire.rows[index].append(i)
        data["funding"] = list(entries.values())
        hire.command = load_or_raise(ChangeSchema(), data)
        return hire

    def _simulate(self, form: SimulatorForm, org: Organisation, hire: Hire | None) -> Result:
        scope = acting().scope
        lang: Lang = current_lang()  # type: ignore[assignment]
        rng = self._range(form, org)
        name = form.scenario.data or None
        extra, titles = [], {}
        if hire is not None:
            extra = [hire_change(db.session, scope, hire.command)]
            titles = {hire.command.position: (hire.title, hire.title)}
        run = simulate_scenario(db.session, scope, name, rng=rng, extra=extra, titles=titles)
        answers = run_answers(db.session, scope, run, rng.end)
        sim = run.simulation
        runway = [
            (run.plan.title(t.key, lang), _label(sim.runway(t.key)), _label(sim.runway(t.key, requested=True)))
            for t in run.plan.positions
            if sim.projection.for_position(t.key)
        ]
        funders = []
        for funder in sorted({f for y in run.years for f, _ in y.confirmed + y.requested}):
            for status in ("confirmed", "requested"):
                values = [dict(y.confirmed if status == "confirmed" else y.requested).get(funder) for y in run.years]
                if any(v is not None for v in values):
                    funders.append((funder, status, values))
        months = month_totals(run)
        return Result(
            run=run,
            years=year_totals(run),
            months=months,
            monthly=sim.monthly(),
            answers=answers,
            runway=runway,
            funders=funders,
            chart=_chart(months, lang),
            hire=hire,
        )

    def _save(self, form: SimulatorForm, hire: Hire) -> None:
        """The hire saved as a scenario: the chosen scenario's changes (if any), then the hire."""
        name = (form.save_name.data or "").strip() or hire.title
        base = form.scenario.data or None
        changes: list[NewChange] = []
        if base is not None:
            changes.extend(_command_of(c) for c in scenario_by_name(db.session, acting().scope, base).changes)
        changes.append(hire.command)
        with writing() as session:
            create_scenario(session, acting(), NewScenario(name, None, tuple(changes)))
        db.session.rollback()
        form.scenario.choices.append((name, name))
        flash(translate("admin.simulator.saved", name=name), "success")

    # --- compare and download ---------------------------------------------------------------

    @expose("/compare/")
    def compare(self) -> Any:
        who = acting()
        org = db.session.get_one(Organisation, who.organisation_id)
        chosen = request.args.getlist("scenario")
        known = {s.name for s in list_scenarios(db.session, who.scope)} | {""}
        if not chosen or any(c not in known for c in chosen):
            abort(404)
        rng = _args_range(org)
        names: list[str | None] = [c or None for c in dict.fromkeys(chosen)]
        table = compare_scenarios(db.session, who.scope, names, rng=rng)
        shown = [n or "" for n in names]
        titles = {n: n or translate("report.simulation.current_plan") for n in shown}
        return self.render(
            "fundtrack/simulator_compare.html",
            table=sorted(table.items()),
            names=shown,
            titles=titles,
            money=money,
            rng=rng,
            day=day,
        )

    @expose("/workbook/")
    def workbook(self) -> Any:
        who = acting()
        org = db.session.get_one(Organisation, who.organisation_id)
        chosen = request.args.getlist("scenario")
        known = {s.name for s in list_scenarios(db.session, who.scope)} | {""}
        if any(c not in known for c in chosen):
            abort(404)
        names: list[str | None] = [c for c in dict.fromkeys(chosen) if c]
        names.append(None)
        wanted = request.args.get("lang") or current_lang()
        lang = check_lang(wanted) if wanted in ("fr", "en") else check_lang(current_lang())
        data = simulation_report(db.session, who.scope, names, as_of=date.today(), period=_args_range(org), lang=lang)
        out = io.BytesIO()
        write_simulation_report(data, out)
        out.seek(0)
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name="simulation.xlsx")

    @expose("/compare-form/", methods=("POST",))
    def compare_form(self) -> Any:
        """The comparison or the workbook of the scenarios ticked on the page."""
        target = "simulator.workbook" if request.form.get("action") == "workbook" else "simulator.compare"
        chosen = request.form.getlist("compare") or [""]
        args = {k: request.form.get(k, "") for k in ("first_year", "years")}
        return redirect(url_for(target, scenario=chosen, **args))


def _args_range(org: Organisation) -> DateRange:
    text = (request.args.get("first_year") or "").strip()
    years_text = (request.args.get("years") or "3").strip()
    try:
        start = org.calendar.parse(text, "first_year").start if text else date.today()
    except FundtrackError:
        abort(404)
    years = int(years_text) if years_text.isdigit() and 1 <= int(years_text) <= MOST_YEARS else 3
    return default_range(org, start, years)


def _hours(value: Any) -> str:
    """Weekly hours as the reader's language writes them (``32,5`` / ``32.5``)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if current_lang() == "fr" else text


def _label(month: Any) -> str | None:
    return None if month is None else str(month.label)


def _command_of(row: ScenarioChange) -> NewChange:
    """A stored change as the command that would record it again."""
    return NewChange(
        kind=row.kind.value,
        position=row.position_key,
        title_fr=row.title_fr,
        title_en=row.title_en,
        employee=row.employee,
        annual_salary=row.annual_salary,
        hourly_rate=row.hourly_rate,
        weekly_hours=row.weekly_hours,
        start_date=row.start_date,
        end_date=row.end_date,
        vacation_rate=row.vacation_rate,
        benefits_rate=row.benefits_rate,
        raise_rate=row.raise_rate,
        funding=tuple(
            NewFunding(
                f.grant.reference,
                f.share,
                tuple(PeriodAmount(a.amount, start=a.period_start, end=a.period_end) for a in f.amounts),
            )
            for f in row.funding
        ),
    )


def _chart(months: list[Any], lang: Lang) -> str:
    if not months:
        return ""
    return bar_chart(
        ident="sim",
        title=translate("report.simulation.chart"),
        description=translate("admin.simulator.chart_description"),
        categories=[m.month.label for m in months],
        bars=[
            Bars(translate("staffing.col.paid_confirmed"), [m.confirmed for m in months], COLOURS["confirmed"]),
            Bars(
                translate("staffing.col.paid_requested"),
                [m.requested for m in months],
                COLOURS["requested"],
                hatched=True,
            ),
            Bars(translate("staffing.col.uncovered_if_granted"), [m.gap_requested for m in months], COLOURS["gap"]),
        ],
        lines=[Line(translate("label.cost"), [m.cost for m in months], COLOURS["cost"])],
        lang=lang,
    )


def _refused(form: SimulatorForm, exc: FundtrackError, rows: list[list[int]] | None) -> None:
    """Each refusal beside the field it names (a funding row's grant, year, amount or share)."""
    lang = current_lang()
    errors: list[FieldError] = (
        exc.errors
        if isinstance(exc, ValidationFailed)
        else [FieldError(exc.field or "", exc.code, tuple(exc.params.items()))]
    )
    for error in errors:
        target = _field(form, re.sub(r"^changes\[\d+\]\.", "", error.path), rows or [])
        text = error.message(lang)  # type: ignore[arg-type]
        if target is None:
            flash(error.describe(lang), "error")  # type: ignore[arg-type]
            continue
        if isinstance(target.errors, tuple):
            target.errors = list(target.errors)
        target.errors.append(text)


def _field(form: SimulatorForm, path: str, rows: list[list[int]]) -> Any:
    match = _PATH.match(path)
    if match:
        entry = int(match.group(1))
        part, amount, leaf = match.group(2), match.group(3), match.group(4)
        mine = rows[entry] if entry < len(rows) else []
        if not mine:
            return None
        row = mine[int(amount)] if amount is not None and int(amount) < len(mine) else mine[0]
        sub = form.funding[row].form
        if part in (None, "grant"):
            return sub.grant
        if part == "share":
            return sub.share
        return sub.amount if leaf == "amount" or (leaf is None and amount is None) else sub.fiscal_year
    head = path.split(".")[0].split("[")[0]
    name = HIRE_FIELDS.get(head, head)
    return getattr(form, name, None) if name in HIRE_FIELDS.values() else None

"""The staffing plan's views: positions with their funding, scenarios with their changes,
and the payroll parameters (a page: the shipped tables and the organisation's own).

Positions and scenarios are written by whoever writes the staffing plan
(``Action.STAFFING``: the coordinator, the treasurer) through
:mod:`fundtrack.services.staffing`; the payroll parameters by the treasurer
(``Action.PAYROLL_RATES``) through :mod:`fundtrack.services.payroll_rates`. A board
member reads them all; a funder's login finds none of them (404).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import BaseView, expose
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Query, Session, selectinload
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from admin_app.context import acting, current_lang, writing
from admin_app.extensions import db
from admin_app.forms import MoneyField, RateField
from admin_app.views.base import FundtrackView, RevisionForm, day, label, money
from fundtrack.errors import FieldError, FundtrackError, ValidationFailed
from fundtrack.i18n import lazy, translate
from fundtrack.models import Grant, GrantStatus
from fundtrack.models.staffing import (
    ChangeKind,
    PayrollRateTable,
    Position,
    PositionFunding,
    PositionStatus,
    ScenarioChange,
)
from fundtrack.money import percent_input
from fundtrack.rates import PARAMETERS
from fundtrack.roles import Action, Role
from fundtrack.schemas.staffing import PayrollRatesSchema, PositionSchema, ScenarioSchema
from fundtrack.services.payroll_rates import payroll_tables, set_payroll_rates
from fundtrack.services.staffing import (
    create_position,
    create_scenario,
    delete_position,
    delete_scenario,
    update_position,
    update_scenario,
)

STAFFING = label("admin.menu.staffing")
FUNDING_ROWS = 8
CHANGE_ROWS = 3
CHANGE_FUNDING_ROWS = 2
FUNDING_PARTS = ("grant", "fiscal_year", "amount", "share")
_FUNDING_PATH = re.compile(r"^funding\[(\d+)\](?:\.(grant|share|amounts)(?:\[(\d+)\](?:\.(fiscal_year|amount))?)?)?")


def _grant_choices() -> list[tuple[str, str]]:
    grants = db.session.scalars(
        select(Grant)
        .where(Grant.organisation_id == acting().organisation_id, Grant.status != GrantStatus.DECLINED)
        .order_by(Grant.reference)
    )
    return [("", "—")] + [(g.reference, g.reference) for g in grants]


def _funding_fields(namespace: dict[str, Any], prefix: str, rows: int) -> None:
    """``rows`` funding rows (grant, fiscal year, amount, share) as flat fields ``{prefix}{n}_{part}``."""
    for n in range(1, rows + 1):
        namespace[f"{prefix}{n}_grant"] = SelectField(
            lazy("admin.staffing.funding_grant", n=n), choices=[], validate_choice=False
        )
        namespace[f"{prefix}{n}_fiscal_year"] = StringField(
            lazy("admin.staffing.funding_year", n=n), validators=[Optional()]
        )
        namespace[f"{prefix}{n}_amount"] = MoneyField(
            lazy("admin.staffing.funding_amount", n=n), validators=[Optional()]
        )
        namespace[f"{prefix}{n}_share"] = RateField(lazy("admin.staffing.funding_share", n=n), validators=[Optional()])


def _funding_data(data: dict[str, Any], prefix: str, rows: int) -> tuple[list[dict[str, Any]], list[list[int]]]:
    """The funding rows as the staffing schema's funding (one entry per grant), and for each
    entry the rows it came from (to place a refusal beside its row)."""
    entries: dict[str, dict[str, Any]] = {}
    origin: list[list[int]] = []
    for n in range(1, rows + 1):
        grant = data.pop(f"{prefix}{n}_grant", None)
        year = data.pop(f"{prefix}{n}_fiscal_year", None)
        amount = data.pop(f"{prefix}{n}_amount", None)
        share = data.pop(f"{prefix}{n}_share", None)
        if not grant:
            continue
        if grant not in entries:
            entries[grant] = {"grant": grant, "amounts": []}
            origin.append([])
        index = list(entries).index(grant)
        if share is not None:
            entries[grant]["share"] = share
        if amount is not None or year:
            entries[grant]["amounts"].append({**funding_period(year), "amount": amount})
        origin[index].append(n)
    return list(entries.values()), origin


def funding_period(text: str | None) -> dict[str, Any]:
    """A funding row's period: a fiscal-year label, or ``START:END`` dates."""
    value = (text or "").strip()
    if ":" in value:
        start, _, end = value.partition(":")
        return {"start": start.strip(), "end": end.strip()}
    return {"fiscal_year": value or None}


def _period_text(amount: Any, calendar: Any) -> str:
    """How a funding row shows an amount's period: its fiscal year's label, or ``START:END``."""
    year = calendar.year_of(amount.period_start)
    if year.start == amount.period_start and year.end == amount.period_end:
        return str(year.label)
    return f"{amount.period_start.isoformat()}:{amount.period_end.isoformat()}"


def _funding_field(path: str, prefix: str, origin: list[list[int]]) -> str | None:
    """The flat field a funding refusal's path names (``funding[0].amounts[1].amount`` → ``f2_amount``)."""
    match = _FUNDING_PATH.match(path)
    if match is None:
        return None
    entry, part, amount, leaf = int(match.group(1)), match.group(2), match.group(3), match.group(4)
    rows = origin[entry] if entry < len(origin) else []
    if not rows:
        return None
    row = rows[int(amount)] if amount is not None and int(amount) < len(rows) else rows[0]
    if part in (None, "grant"):
        return f"{prefix}{row}_grant"
    if part == "share":
        return f"{prefix}{row}_share"
    return f"{prefix}{row}_amount" if leaf == "amount" or amount is None else f"{prefix}{row}_fiscal_year"


def _funding_html(funding: list[PositionFunding]) -> Markup:
    """A position's (or a change's) funding: each grant, its share and its amounts per period."""
    items = []
    for f in funding:
        parts = [escape(f.grant.reference)]
        if f.share is not None:
            parts.append(escape(percent_input(f.share, current_lang()) + "\u00a0%"))  # type: ignore[arg-type]
        parts.extend(escape(f"{day(a.period_start)} – {day(a.period_end)} : {money(a.amount)}") for a in f.amounts)
        items.append(Markup("<li>{}</li>").format(Markup(" · ").join(parts)))
    return Markup('<ul class="list-unstyled mb-0">{}</ul>').format(Markup("").join(items))


class StaffingView(FundtrackView):
    """A view of the staffing plan: read by the organisation's people, written by whoever
    writes the plan; funding rows turned into the schema's funding."""

    write_action = Action.STAFFING
    allow_edit = False
    allow_delete = True
    funding_prefix: ClassVar[str] = "f"

    def is_accessible(self) -> bool:
        return acting().role is not Role.FUNDER

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        choices = _grant_choices()
        for name, field in form._fields.items():
            if name.endswith("_grant") and isinstance(field, SelectField):
                field.choices = choices
        return form

    def field_of(self, path: str) -> str:
        origin: dict[str, list[list[int]]] = g.get("ft_funding_origin") or {}
        if path.startswith("changes["):
            match = re.match(r"^changes\[(\d+)\]\.?(.*)$", path)
            assert match is not None
            k, rest = int(match.group(1)) + 1, match.group(2)
            found = _funding_field(rest, f"c{k}_f", origin.get(f"c{k}_f", []))
            if found:
                return found
            head = rest.split(".")[0].split("[")[0] or "kind"
            return f"c{k}_{'title' if head in ('title_fr', 'title_en') else head}"
        found = _funding_field(path, self.funding_prefix, origin.get(self.funding_prefix, []))
        return found or super().field_of(path)


_position_fields: dict[str, Any] = {
    "key": StringField(label("admin.staffing.key")),
    "title_fr": StringField(label("admin.staffing.title_fr")),
    "title_en": StringField(label("admin.staffing.title_en")),
    "employee": StringField(label("admin.staffing.employee"), validators=[Optional()]),
    "status": SelectField(
        label("label.status"),
        choices=[(s, lazy(f"position_status.{s}")) for s in ("planned", "filled", "vacant")],
    ),
    "hourly_rate": MoneyField(label("admin.simulator.hourly_rate"), validators=[Optional()]),
    "weekly_hours": StringField(label("admin.simulator.weekly_hours"), validators=[Optional()]),
    "annual_salary": MoneyField(label("admin.simulator.annual_salary"), validators=[Optional()]),
    "start_date": DateField(label("label.start"), validators=[Optional()]),
    "end_date": DateField(label("label.end"), validators=[Optional()]),
    "vacation_rate": RateField(label("admin.simulator.vacation_rate"), validators=[Optional()]),
    "benefits_rate": RateField(label("admin.simulator.benefits_rate"), validators=[Optional()]),
    "raise_rate": RateField(label("admin.staffing.raise_rate"), validators=[Optional()]),
    "raise_on": StringField(label("admin.staffing.raise_on"), validators=[Optional()]),
    "notes": TextAreaField(label("admin.col.notes"), validators=[Optional()]),
}
_funding_fields(_position_fields, "f", FUNDING_ROWS)
PositionForm = type("PositionForm", (RevisionForm,), _position_fields)  # type: ignore[misc]


class PositionView(StaffingView):
    allow_edit = True
    schema = PositionSchema
    form = PositionForm
    column_list = ("key", "title", "employee", "status", "pay", "weekly_hours", "start_date", "end_date", "funding")
    column_details_list = (
        "key",
        "title_fr",
        "title_en",
        "employee",
        "status",
        "hourly_rate",
        "weekly_hours",
        "annual_salary",
        "start_date",
        "end_date",
        "vacation_rate",
        "benefits_rate",
        "raise_rate",
        "pay_as_of",
        "notes",
        "funding",
    )
    column_searchable_list = ("key", "title_fr", "title_en", "employee")

    @property
    def column_filters(self) -> list[Any]:  # type: ignore[override]
        from flask_admin.contrib.sqla.filters import FilterEqual

        options = [(s.value, lazy(f"position_status.{s.value}")) for s in PositionStatus]
        return [FilterEqual(Position.status, lazy("label.status"), options=options)]

    column_sortable_list = ("key", "status", "start_date", "end_date")
    column_default_sort = "start_date"
    money_columns = ("hourly_rate", "annual_salary")
    date_columns = ("start_date", "end_date", "pay_as_of")
    column_labels: ClassVar[dict[str, Any]] = {
        "key": label("admin.staffing.key"),
        "title": label("label.title"),
        "title_fr": label("admin.staffing.title_fr"),
        "title_en": label("admin.staffing.title_en"),
        "employee": label("admin.staffing.employee"),
        "status": label("label.status"),
        "pay": label("admin.staffing.pay"),
        "hourly_rate": label("admin.simulator.hourly_rate"),
        "weekly_hours": label("admin.simulator.weekly_hours"),
        "annual_salary": label("admin.simulator.annual_salary"),
        "start_date": label("label.start"),
        "end_date": label("label.end"),
        "vacation_rate": label("admin.simulator.vacation_rate"),
        "benefits_rate": label("admin.simulator.benefits_rate"),
        "raise_rate": label("admin.staffing.raise_rate"),
        "pay_as_of": label("admin.staffing.pay_as_of"),
        "notes": label("admin.col.notes"),
        "funding": label("admin.staffing.funding"),
    }

    def get_query(self) -> Query[Any]:
        return (
            super()
            .get_query()
            .options(
                selectinload(Position.funding).selectinload(PositionFunding.amounts),
                selectinload(Position.funding).selectinload(PositionFunding.grant),
            )
        )

    def extra_formatters(self) -> dict[str, Any]:
        def rate(v: Any, c: Any, m: Any, n: str) -> str:
            return percent_input(getattr(m, n), current_lang()) + "\u00a0%"  # type: ignore[arg-type]

        return {
            "title": lambda v, c, m, n: m.title(current_lang()),
            "status": lambda v, c, m, n: translate(f"position_status.{m.status.value}"),
            "pay": lambda v, c, m, n: (
                translate("admin.staffing.per_year", amount=money(m.annual_salary))
                if m.annual_salary is not None
                else translate("admin.staffing.per_hour", amount=money(m.hourly_rate))
            ),
            "weekly_hours": lambda v, c, m, n: (
                "" if m.weekly_hours is None else format(m.weekly_hours.normalize(), "f")
            ),
            "vacation_rate": rate,
            "benefits_rate": rate,
            "raise_rate": rate,
            "funding": lambda v, c, m, n: _funding_html(m.funding),
        }

    def form_data(self, data: dict[str, Any], model: Any) -> dict[str, Any]:
        funding, origin = _funding_data(data, "f", FUNDING_ROWS)
        g.ft_funding_origin = {"f": origin}
        if "weekly_hours" in data:
            data["weekly_hours"] = str(data["weekly_hours"]).strip().replace(",", ".")
        data["funding"] = funding
        return data

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        choices = _grant_choices()
        for name, field in form._fields.items():
            if name.endswith("_grant") and isinstance(field, SelectField):
                field.choices = choices
        return form

    def prefill(self, form: Any, model: Any) -> None:
        form.status.data = model.status.value
        form.weekly_hours.data = "" if model.weekly_hours is None else format(model.weekly_hours.normalize(), "f")
        form.raise_on.data = f"{model.raise_month:02d}-{model.raise_day or 1:02d}" if model.raise_month else ""
        calendar = acting().calendar
        n = 1
        for f in model.funding:
            rows = [(a, _period_text(a, calendar)) for a in f.amounts] or [(None, "")]
            for i, (amount, period) in enumerate(rows):
                if n > FUNDING_ROWS:
                    return
                getattr(form, f"f{n}_grant").data = f.grant.reference
                getattr(form, f"f{n}_fiscal_year").data = period
                getattr(form, f"f{n}_amount").data = amount.amount if amount is not None else None
                getattr(form, f"f{n}_share").data = f.share if i == 0 else None
                n += 1

    def create(self, session: Session, cmd: Any) -> Any:
        return create_position(session, acting(), cmd)

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        return update_position(session, acting(), model.key, revision, cmd)

    def delete(self, session: Session, model: Any) -> None:
        delete_position(session, acting(), model.key, model.revision)


_change_fields: dict[str, Any] = {
    "name": StringField(label("admin.simulator.save_name")),
    "description": TextAreaField(label("admin.col.description"), validators=[Optional()]),
}
for _k in range(1, CHANGE_ROWS + 1):
    _change_fields.update(
        {
            f"c{_k}_kind": SelectField(
                lazy("admin.staffing.change_kind", n=_k),
                choices=[("", "—")] + [(c.value, lazy(f"change_kind.{c.value}")) for c in ChangeKind],
                default="",
            ),
            f"c{_k}_position": StringField(lazy("admin.staffing.change_position", n=_k), validators=[Optional()]),
            f"c{_k}_title": StringField(lazy("admin.staffing.change_title", n=_k), validators=[Optional()]),
            f"c{_k}_hourly_rate": MoneyField(lazy("admin.staffing.change_hourly_rate", n=_k), validators=[Optional()]),
            f"c{_k}_weekly_hours": StringField(
                lazy("admin.staffing.change_weekly_hours", n=_k), validators=[Optional()]
            ),
            f"c{_k}_annual_salary": MoneyField(
                lazy("admin.staffing.change_annual_salary", n=_k), validators=[Optional()]
            ),
            f"c{_k}_start_date": DateField(lazy("admin.staffing.change_start", n=_k), validators=[Optional()]),
            f"c{_k}_end_date": DateField(lazy("admin.staffing.change_end", n=_k), validators=[Optional()]),
            f"c{_k}_vacation_rate": RateField(lazy("admin.staffing.change_vacation", n=_k), validators=[Optional()]),
            f"c{_k}_benefits_rate": RateField(lazy("admin.staffing.change_benefits", n=_k), validators=[Optional()]),
        }
    )
    _funding_fields(_change_fields, f"c{_k}_f", CHANGE_FUNDING_ROWS)
ScenarioForm = type("ScenarioForm", (RevisionForm,), _change_fields)

_CHANGE_VALUES = (
    "hourly_rate",
    "weekly_hours",
    "annual_salary",
    "start_date",
    "end_date",
    "vacation_rate",
    "benefits_rate",
)


def _change_html(change: ScenarioChange) -> Markup:
    lang = current_lang()
    parts = [
        escape(translate(f"change_kind.{change.kind.value}")),
        Markup("<strong>{}</strong>").format(change.position_key),
    ]
    if change.title_fr:
        parts.append(escape(change.title_en if lang == "en" else change.title_fr))
    if change.hourly_rate is not None:
        parts.append(escape(translate("admin.staffing.per_hour", amount=money(change.hourly_rate))))
    if change.annual_salary is not None:
        parts.append(escape(translate("admin.staffing.per_year", amount=money(change.annual_salary))))
    if change.weekly_hours is not None:
        parts.append(escape(translate("admin.staffing.hours", hours=format(change.weekly_hours.normalize(), "f"))))
    if change.start_date or change.end_date:
        parts.append(escape(f"{day(change.start_date)} – {day(change.end_date)}"))
    html = Markup(" · ").join(parts)
    if change.funding:
        html += _funding_html(change.funding)
    return html


def _fits(scenario: Any) -> bool:
    """Whether the scenario form holds every change and funding amount of ``scenario``."""
    rows = [sum(max(len(f.amounts), 1) for f in c.funding) for c in scenario.changes]
    return len(rows) <= CHANGE_ROWS and all(n <= CHANGE_FUNDING_ROWS for n in rows)


class ScenarioView(StaffingView):
    allow_edit = True
    schema = ScenarioSchema
    form = ScenarioForm
    column_list = ("name", "description", "changes")
    column_details_list = ("name", "description", "changes")
    column_searchable_list = ("name", "description")
    column_sortable_list = ("name",)
    column_default_sort = "name"
    column_labels: ClassVar[dict[str, Any]] = {
        "name": label("term.scenario"),
        "description": label("admin.col.description"),
        "changes": label("admin.staffing.changes"),
    }

    def get_query(self) -> Query[Any]:
        from fundtrack.models.staffing import Scenario

        change = selectinload(Scenario.changes)
        return (
            super()
            .get_query()
            .options(
                change.selectinload(ScenarioChange.funding).selectinload(PositionFunding.amounts),
                change.selectinload(ScenarioChange.funding).selectinload(PositionFunding.grant),
            )
        )

    def extra_formatters(self) -> dict[str, Any]:
        return {
            "changes": lambda v, c, m, n: Markup('<ol class="mb-0 pl-3">{}</ol>').format(
                Markup("").join(Markup("<li>{}</li>").format(_change_html(ch)) for ch in m.changes)
            )
        }

    def form_data(self, data: dict[str, Any], model: Any) -> dict[str, Any]:
        out: dict[str, Any] = {k: data[k] for k in ("name", "description") if k in data}
        changes, origins = [], {}
        for k in range(1, CHANGE_ROWS + 1):
            kind = data.get(f"c{k}_kind")
            funding, origin = _funding_data(data, f"c{k}_f", CHANGE_FUNDING_ROWS)
            if not kind:
                continue
            change: dict[str, Any] = {"kind": kind, "position": (data.get(f"c{k}_position") or "").strip()}
            title = data.get(f"c{k}_title")
            if title:
                change["title_fr"] = change["title_en"] = title
            for name in _CHANGE_VALUES:
                value = data.get(f"c{k}_{name}")
                if value is not None and value != "":
                    change[name] = str(value).strip().replace(",", ".") if name == "weekly_hours" else value
            if funding:
                change["funding"] = funding
            origins[f"c{len(changes) + 1}_f"] = origin
            changes.append(change)
        g.ft_funding_origin = origins
        out["changes"] = changes
        return out

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        ident = request.args.get("id", "")
        found = self.get_one(ident) if self.can_edit else None
        if found is not None and not _fits(found):
            flash(translate("admin.staffing.scenario_too_long", rows=CHANGE_ROWS), "error")
            return redirect(self.get_url(".details_view", id=found.id))
        return super().edit_view()

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        choices = _grant_choices()
        for name, field in form._fields.items():
            if name.endswith("_grant") and isinstance(field, SelectField):
                field.choices = choices
        return form

    def prefill(self, form: Any, model: Any) -> None:
        calendar = acting().calendar
        for k, change in enumerate(model.changes, start=1):
            getattr(form, f"c{k}_kind").data = change.kind.value
            getattr(form, f"c{k}_position").data = change.position_key
            getattr(form, f"c{k}_title").data = change.title_fr or ""
            for name in _CHANGE_VALUES:
                value = getattr(change, name)
                if name == "weekly_hours" and value is not None:
                    value = format(value.normalize(), "f")
                getattr(form, f"c{k}_{name}").data = value
            n = 1
            for f in change.funding:
                for i, amount in enumerate(f.amounts or [None]):
                    getattr(form, f"c{k}_f{n}_grant").data = f.grant.reference
                    getattr(form, f"c{k}_f{n}_fiscal_year").data = _period_text(amount, calendar) if amount else ""
                    getattr(form, f"c{k}_f{n}_amount").data = amount.amount if amount else None
                    getattr(form, f"c{k}_f{n}_share").data = f.share if i == 0 else None
                    n += 1

    def create(self, session: Session, cmd: Any) -> Any:
        return create_scenario(session, acting(), cmd)

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        return update_scenario(session, acting(), model.name, revision, cmd)

    def delete(self, session: Session, model: Any) -> None:
        delete_scenario(session, acting(), model.name, model.revision)


# --- the payroll parameters: a page over the shipped tables and the organisation's own ---------


class RatesForm(RevisionForm):
    source = StringField(label("label.source"), validators=[Optional()])


for _p in PARAMETERS:
    setattr(
        RatesForm,
        _p,
        (RateField if _p.endswith("_rate") else MoneyField)(label(f"payroll.param.{_p}"), validators=[Optional()]),
    )


class PayrollRatesPage(BaseView):  # type: ignore[misc]
    """Every year's payroll parameters with their sources; the treasurer edits a year."""

    def __init__(self, category: Any = None) -> None:
        super().__init__(
            name=lazy("admin.menu.payroll_rates"), category=category, endpoint="payroll_rates", url="/payroll-rates"
        )

    def is_accessible(self) -> bool:
        return acting().role is not Role.FUNDER

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        abort(404)

    @expose("/")
    def index(self) -> Any:
        who = acting()
        tables = payroll_tables(db.session, who.scope)
        rows = [(p, [_param(getattr(t, p)) for t in tables]) for p in PARAMETERS]
        sources = [(t.year, sorted(set(dict(t.sources).values()))) for t in tables]
        return self.render(
            "fundtrack/payroll_rates.html",
            tables=tables,
            rows=rows,
            sources=sources,
            may_edit=who.can(Action.PAYROLL_RATES),
        )

    @expose("/edit/", methods=("GET", "POST"))
    def edit(self) -> Any:
        who = acting()
        if not who.can(Action.PAYROLL_RATES):
            abort(403)
        year_text = request.args.get("year", "")
        if not year_text.isdigit():
            abort(404)
        year = int(year_text)
        tables = {t.year: t for t in payroll_tables(db.session, who.scope)}
        row = db.session.scalar(
            select(PayrollRateTable).where(
                PayrollRateTable.organisation_id == who.organisation_id, PayrollRateTable.year == year
            )
        )
        form = RatesForm(request.form if request.method == "POST" else None)
        if request.method == "GET":
            table = tables.get(year)
            if table is not None:
                for p in PARAMETERS:
                    getattr(form, p).data = getattr(table, p)
            form.revision.data = str(row.revision) if row is not None else ""
        elif form.validate():
            data: dict[str, Any] = {"year": year}
            for p in PARAMETERS:
                value = getattr(form, p).data
                if value is not None:
                    data[p] = value
            source = (form.source.data or "").strip()
            if source:
                changed = [
                    p for p in PARAMETERS if data.get(p) is not None and data[p] != getattr(tables.get(year), p, None)
                ]
                data["sources"] = {p: source for p in changed}
            revision = int(form.revision.data) if (form.revision.data or "").isdigit() else None
            try:
                from fundtrack.schemas.common import load_or_raise

                cmd = load_or_raise(PayrollRatesSchema(), data)
                with writing() as session:
                    set_payroll_rates(session, who, cmd, revision)
            except FundtrackError as exc:
                db.session.rollback()
                _refused(form, exc)
            else:
                db.session.rollback()
                flash(translate("admin.staffing.rates_saved", year=year), "success")
                return redirect(url_for("payroll_rates.index"))
        return self.render("fundtrack/payroll_rates_edit.html", form=form, year=year)


def _param(value: Decimal) -> str:
    """Rates as percentages with all their digits (0,602 %), amounts as amounts."""
    if value <= 1:
        return percent_input(value, current_lang()) + "\u00a0%"  # type: ignore[arg-type]
    return money(value)


def _refused(form: Any, exc: FundtrackError) -> None:
    lang = current_lang()
    errors: list[FieldError] = (
        exc.errors
        if isinstance(exc, ValidationFailed)
        else [FieldError(exc.field or "", exc.code, tuple(exc.params.items()))]
    )
    for error in errors:
        name = error.path.split(".")[0].split("[")[0]
        field = getattr(form, name, None) if name else None
        if field is not None and not isinstance(field, HiddenField):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(error.message(lang))  # type: ignore[arg-type]
        else:
            flash(error.describe(lang), "error")  # type: ignore[arg-type]

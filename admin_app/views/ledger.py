"""The funding ledger's views: funders and projects (grants have their own module)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from admin_app.context import acting
from admin_app.forms import IntegerField, RateField
from admin_app.views.base import FundtrackView, RevisionForm, label
from fundtrack.i18n import lazy
from fundtrack.models import DesiredChange, FunderKind
from fundtrack.roles import Action
from fundtrack.schemas.ledger import FunderSchema, ProjectSchema
from fundtrack.services.funders import create_funder, create_project, update_funder, update_project

LANGUAGES = [("fr", lazy("admin.lang.fr")), ("en", lazy("admin.lang.en"))]


class FunderForm(RevisionForm):
    name = StringField(label("term.funder"))
    kind = SelectField(label("col.kind"), choices=[(k.value, lazy(f"funder_kind.{k.value}")) for k in FunderKind])
    fiscal_start_month = IntegerField(label("col.fiscal_start"), default=4, validators=[NumberRange(1, 12)])
    language = SelectField(label("col.language"), choices=LANGUAGES, default="fr")
    contact_name = StringField(label("admin.col.contact_name"), validators=[Optional()])
    contact_email = StringField(label("admin.col.contact_email"), validators=[Optional()])
    fee_cap = RateField(label("admin.col.fee_cap_percent"), validators=[Optional()])
    notes = TextAreaField(label("admin.col.notes"), validators=[Optional()])


class FunderView(FundtrackView):
    write_action = Action.MONEY
    schema = FunderSchema
    form = FunderForm
    column_list = ("name", "kind", "fiscal_start_month", "language", "fee_cap")
    column_searchable_list = ("name", "contact_name")
    column_filters = ("kind", "language")
    column_sortable_list = ("name", "kind", "fiscal_start_month")
    column_default_sort = "name"
    column_labels: ClassVar[dict[str, Any]] = {
        "name": label("term.funder"),
        "kind": label("col.kind"),
        "fiscal_start_month": label("col.fiscal_start"),
        "language": label("col.language"),
        "fee_cap": label("col.fee_cap"),
        "contact_name": label("admin.col.contact_name"),
        "contact_email": label("admin.col.contact_email"),
        "notes": label("admin.col.notes"),
    }
    column_details_list = (
        "name",
        "kind",
        "fiscal_start_month",
        "language",
        "fee_cap",
        "contact_name",
        "contact_email",
        "notes",
    )

    def extra_formatters(self) -> dict[str, Any]:
        from fundtrack.i18n import translate
        from fundtrack.money import format_percent

        return {
            "kind": lambda v, c, m, n: translate(f"funder_kind.{m.kind.value}"),
            "language": lambda v, c, m, n: translate(f"admin.lang.{m.language.value}"),
            "fee_cap": lambda v, c, m, n: format_percent(m.fee_cap) if m.fee_cap is not None else "",
        }

    def prefill(self, form: Any, model: Any) -> None:
        form.kind.data = model.kind.value
        form.language.data = model.language.value

    def create(self, session: Session, cmd: Any) -> Any:
        return create_funder(session, acting(), cmd)

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        return update_funder(session, acting(), model.name, revision, cmd)


class ProjectForm(RevisionForm):
    name = StringField(label("term.project"))
    description = TextAreaField(label("admin.col.description"), validators=[Optional()])
    desired_changes = SelectMultipleField(
        label("admin.col.desired_changes"),
        choices=[(d.value, lazy(f"desired_change.{d.value}")) for d in DesiredChange],
    )
    start_date = DateField(label("label.start"), validators=[Optional()])
    end_date = DateField(label("label.end"), validators=[Optional()])
    operations = BooleanField(label("admin.col.operations"))


class ProjectView(FundtrackView):
    write_action = Action.MONEY
    schema = ProjectSchema
    form = ProjectForm
    column_list = ("name", "start_date", "end_date", "operations")
    column_searchable_list = ("name",)
    column_sortable_list = ("name", "start_date", "end_date")
    column_default_sort = "name"
    date_columns = ("start_date", "end_date")
    column_labels: ClassVar[dict[str, Any]] = {
        "name": label("term.project"),
        "description": label("admin.col.description"),
        "start_date": label("label.start"),
        "end_date": label("label.end"),
        "operations": label("admin.col.operations"),
        "desired_changes": label("admin.col.desired_changes"),
    }

    def prefill(self, form: Any, model: Any) -> None:
        form.desired_changes.data = list(model.desired_changes or [])

    def create(self, session: Session, cmd: Any) -> Any:
        return create_project(session, acting(), cmd)

    def update(self, session: Session, model: Any, revision: int | None, cmd: Any) -> Any:
        return update_project(session, acting(), model.name, revision, cmd)

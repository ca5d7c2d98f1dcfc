"""List filters whose choices are read for each request, within the person's scope.

Flask-Admin reads a filter's choices once, when the view is built: a funder's list would
then offer every funder's name, and a fiscal year added later would be missing. A filter
here reads its choices when the list page is drawn (:class:`FreshFilters`), as the acting
context allows, and checks a value it is given against them before using it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from flask import has_request_context
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy.orm import Query

Options = Sequence[tuple[str, Any]]


class ChoiceFilter(BaseSQLAFilter):  # type: ignore[misc]
    """``column`` equals one of the choices ``choices()`` gives (as text) for this request."""

    def __init__(self, column: Any, name: Any, choices: Callable[[], Options], convert: Callable[[str], Any] = str):
        super().__init__(column, name)
        self.choices = choices
        self.convert = convert

    def get_options(self, view: Any) -> Options:
        return list(self.choices()) if has_request_context() else []

    def validate(self, value: Any) -> bool:
        return has_request_context() and str(value) in {k for k, _ in self.choices()}

    def clean(self, value: Any) -> Any:
        return self.convert(str(value))

    def apply(self, query: Query[Any], value: Any, alias: Any = None) -> Query[Any]:
        return query.filter(self.column == value)

    def operation(self) -> Any:
        return lazy_gettext("equals")


class FiscalYearFilter(ChoiceFilter):
    """The rows whose period (``start`` to ``end``) touches a fiscal year of the organisation."""

    def __init__(self, start: Any, end: Any, name: Any, choices: Callable[[], Options]):
        super().__init__(start, name, choices)
        self.end = end

    def clean(self, value: Any) -> Any:
        from admin_app.context import acting

        return acting().calendar.parse(str(value))

    def apply(self, query: Query[Any], value: Any, alias: Any = None) -> Query[Any]:
        return query.filter(self.column <= value.end, self.end >= value.start)


class FreshFilters:
    """Mixin of a model view: its filters' choices are read when the page is drawn."""

    _filters: list[Any] | None

    def _get_filter_groups(self) -> OrderedDict[str, list[dict[str, Any]]] | None:
        if not self._filters:
            return None
        groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        for i, flt in enumerate(self._filters):
            options = flt.get_options(self) or None
            groups.setdefault(str(flt.name), []).append(
                {
                    "index": i,
                    "arg": self.get_filter_arg(i, flt),  # type: ignore[attr-defined]
                    "operation": str(flt.operation()),
                    "options": [(k, str(v)) for k, v in options] if options else None,
                    "type": flt.data_type,
                }
            )
        return groups


__all__ = ["ChoiceFilter", "FreshFilters"]

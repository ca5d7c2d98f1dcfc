"""Who is asking: every service that lists or reports takes a :class:`Scope`.

The treasurer, coordinator and board see the whole organisation; a funder's login
sees only that funder's grants and what they pay for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, FromClause, true

from fundtrack.errors import NotFound
from fundtrack.i18n import msg

if TYPE_CHECKING:
    from fundtrack.models import Grant

M_OUT_OF_SCOPE = msg("scope.out_of_scope")


@dataclass(frozen=True)
class Scope:
    """One organisation, optionally narrowed to one funder."""

    organisation_id: int
    funder_id: int | None = None

    def grants_filter(self, grants: FromClause | None = None) -> ColumnElement[bool]:
        """A WHERE clause that keeps the grants this scope may see: of the model's table,
        or of ``grants`` (the light table of :mod:`fundtrack.tables`, for a Core read)."""
        if grants is None:
            from fundtrack.models import Grant

            grants = Grant.__table__
        clause = grants.c.organisation_id == self.organisation_id
        if self.funder_id is not None:
            clause = clause & (grants.c.funder_id == self.funder_id)
        return clause

    def funder_filter(self, funder_id_column: ColumnElement[int]) -> ColumnElement[bool]:
        return funder_id_column == self.funder_id if self.funder_id is not None else true()

    def check_grant(self, grant: Grant) -> None:
        """Raise :class:`NotFound` (not a hint that it exists) if ``grant`` is outside the scope."""
        if grant.organisation_id != self.organisation_id or (
            self.funder_id is not None and grant.funder_id != self.funder_id
        ):
            raise NotFound(M_OUT_OF_SCOPE, name=grant.reference)

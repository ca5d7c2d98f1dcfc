"""The options a list offers to filter by: the scope's projects, budget categories, grants
and funders, each as ``(id, label)`` in the order a person reads them.

They are rows of stamped tables (:mod:`fundtrack.models.stamps`): kept per database under
the organisation's budget stamp, and read again only once a write to the projects,
categories, funders or grants (or any other stamped table) has changed the stamp.
Every call sends one statement whether the options were kept or not: the current stamp,
with the option rows only when the stamp is not the one they were kept under, so that the
options and the stamp they are kept under come from one snapshot of the database.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from threading import Lock
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, Engine, Integer, String, bindparam, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from fundtrack.i18n import Lang
from fundtrack.models import BudgetCategory, Funder, Grant, Project
from fundtrack.models.stamps import budget_stamps
from fundtrack.queries.scope import Scope

Option = tuple[str, str]  # the value a filter sends (the row's id) and the label shown

KEPT_PER_DATABASE = 256  # scopes whose options are kept, per database
_STAMP, _PROJECT, _CATEGORY, _GRANT, _FUNDER = range(5)


@dataclass(frozen=True)
class FilterOptions:
    """The options of one scope, read under one budget stamp (``None``: not kept)."""

    stamp: int | None
    projects: tuple[Option, ...]
    grants: tuple[Option, ...]
    funders: tuple[Option, ...]
    category_labels: tuple[tuple[str, str, str], ...]  # id, French label, English label
    _categories: dict[str, tuple[Option, ...]] = field(default_factory=dict, compare=False, repr=False)

    def categories(self, lang: Lang) -> tuple[Option, ...]:
        """The budget categories in their order, labelled in ``lang``."""
        found = self._categories.get(lang)
        if found is None:
            found = self._categories[lang] = tuple(
                (i, en if lang == "en" else fr) for i, fr, en in self.category_labels
            )
        return found


_kept: WeakKeyDictionary[Engine, OrderedDict[Scope, FilterOptions]] = WeakKeyDictionary()
_kept_lock = Lock()


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """The scope's filter options (the organisation's projects by name, categories by
    position, funders by name, and the grants the scope may see by reference), kept per
    database under the organisation's budget stamp; one statement per call."""
    engine = session.get_bind().engine
    with _kept_lock:
        kept = _kept.setdefault(engine, OrderedDict())
        found = kept.get(scope)
    if session.autoflush:
        session.flush()
    params = {"org": scope.organisation_id, "funder": scope.funder_id, "known": found.stamp if found else None}
    rows = session.connection().execute(_statement(scope.funder_id is not None), params).all()
    stamp = next((r.id for r in rows if r.kind == _STAMP), None)
    if found is not None and stamp is not None and stamp == found.stamp:
        with _kept_lock:
            if scope in kept:
                kept.move_to_end(scope)
        return found
    options = _options(stamp, rows)
    if stamp is not None:
        with _kept_lock:
            kept[scope] = options
            kept.move_to_end(scope)
            while len(kept) > KEPT_PER_DATABASE:
                kept.popitem(last=False)
    return options


def _options(stamp: int | None, rows: Sequence[Any]) -> FilterOptions:
    by_kind: dict[int, list[Any]] = {_PROJECT: [], _CATEGORY: [], _GRANT: [], _FUNDER: []}
    for r in rows:
        if r.kind != _STAMP:
            by_kind[r.kind].append(r)
    return FilterOptions(
        stamp=stamp,
        projects=tuple((str(r.id), r.label) for r in by_kind[_PROJECT]),
        grants=tuple((str(r.id), r.label) for r in by_kind[_GRANT]),
        funders=tuple((str(r.id), r.label) for r in by_kind[_FUNDER]),
        category_labels=tuple((str(r.id), r.label, r.label_en) for r in by_kind[_CATEGORY]),
    )


@lru_cache(maxsize=2)
def _statement(narrowed: bool) -> Any:
    """The current stamp of organisation ``:org`` (a row of kind ``_STAMP``, none when it
    has no stamp yet), and its option rows unless the stamp is ``:known``; the grants of
    funder ``:funder`` alone when ``narrowed`` (the scope's :meth:`~Scope.grants_filter`,
    with parameters: the statement is built once)."""
    org = bindparam("org", type_=Integer)
    current = select(budget_stamps.c.stamp).where(budget_stamps.c.organisation_id == org).scalar_subquery()
    known = bindparam("known", type_=BigInteger)
    stale = or_(known.is_(None), current.is_(None), current != known)
    text_null = null().cast(String)
    int_null = null().cast(Integer)

    def kind(value: int) -> Any:
        return literal(value, Integer).label("kind")

    stamp = select(
        kind(_STAMP),
        budget_stamps.c.stamp.label("id"),
        text_null.label("label"),
        text_null.label("label_en"),
        int_null.label("position"),
        text_null.label("name"),
    ).where(budget_stamps.c.organisation_id == org)
    projects = select(kind(_PROJECT), Project.id, Project.name, text_null, int_null, Project.name).where(
        Project.organisation_id == org, stale
    )
    categories = select(
        kind(_CATEGORY),
        BudgetCategory.id,
        BudgetCategory.label_fr,
        BudgetCategory.label_en,
        BudgetCategory.position,
        text_null,
    ).where(BudgetCategory.organisation_id == org, stale)
    grants_seen = Grant.organisation_id == org
    if narrowed:
        grants_seen = grants_seen & (Grant.funder_id == bindparam("funder", type_=Integer))
    grants = select(kind(_GRANT), Grant.id, Grant.reference, text_null, int_null, Grant.reference).where(
        grants_seen, stale
    )
    funders = select(kind(_FUNDER), Funder.id, Funder.name, text_null, int_null, Funder.name).where(
        Funder.organisation_id == org, stale
    )
    both = union_all(stamp, projects, categories, grants, funders).subquery()
    return select(both).order_by(both.c.kind, both.c.position, both.c.name)

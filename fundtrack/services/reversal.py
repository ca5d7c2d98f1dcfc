"""Corrections by reversing entries: the one way an expense or an allocation is undone.

The original stays; a new row with every amount negated names it (``reverses_id``). An
entry is reversed at most once, and a reversal is never reversed itself; the original's
row is locked while this is checked, so two people reversing it at once cannot both.
The grants the entry names are locked too, before the reversal names them: a correction
then charges them again under the lock it already holds, and two corrections on one
grant take turns instead of deadlocking (on PostgreSQL a row that names a grant takes a
share lock on it, which a later ``FOR UPDATE`` of another writer would wait for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundtrack.errors import NotFound, RuleViolation
from fundtrack.queries.lookups import lock_grants
from fundtrack.roles import Action
from fundtrack.services.context import Acting


class Reversible(Protocol):
    id: Any
    organisation_id: Any
    reverses_id: Any


R = TypeVar("R", bound=Reversible)


@dataclass(frozen=True)
class ReversalTexts:
    """The messages of one kind of entry (its codes in the catalogue)."""

    field: str
    unknown: str
    reversal_of_reversal: str
    already_reversed: str


def entry_by_id(
    session: Session, acting: Acting, model: type[R], entry_id: int, texts: ReversalTexts, *, lock: bool = False
) -> R:
    """The organisation's entry ``entry_id`` (locked with ``lock``), or :class:`NotFound`."""
    query = select(model).where(model.id == entry_id, model.organisation_id == acting.organisation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    entry = session.scalar(query)
    if entry is None:
        raise NotFound(texts.unknown, field=texts.field, id=entry_id)
    return entry


def reverse(
    session: Session,
    acting: Acting,
    model: type[R],
    entry_id: int,
    texts: ReversalTexts,
    negated: Callable[[R], R],
    grants: Callable[[R], Iterable[int]],
) -> R:
    """Add the reversal ``negated(original)`` of entry ``entry_id`` and return it; the
    grants ``grants(original)`` names are locked first. A correction is money: the
    treasurer's (:class:`~fundtrack.services.context.NotAllowed` for anyone else)."""
    acting.require(session, Action.MONEY)
    original = entry_by_id(session, acting, model, entry_id, texts, lock=True)
    if original.reverses_id is not None:
        raise RuleViolation(texts.reversal_of_reversal, field=texts.field, id=entry_id)
    already = session.scalar(select(model.id).where(model.reverses_id == original.id))
    if already is not None:
        raise RuleViolation(texts.already_reversed, field=texts.field, id=entry_id)
    lock_grants(session, grants(original))
    reversal = negated(original)
    reversal.reverses_id = original.id
    session.add(reversal)
    session.flush()
    return reversal

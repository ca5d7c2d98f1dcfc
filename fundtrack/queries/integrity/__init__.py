"""The integrity check: every invariant of the data, each one small query.

A treasurer runs it (``fundtrack check``) after a restore, a migration or a hand edit.
Each rule is what a service enforces when it writes (domain.md 4.5, the services'
refusals); here it is read back from the rows as they are, whatever wrote them. Each
check returns the :class:`Breach`\\ es it finds, each naming its record and its rule.
The rules the database itself enforces (CHECK constraints, foreign keys, uniqueness)
are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import shown
from fundtrack.plain import plain
from fundtrack.queries.integrity.rules import ENTITY_TEXTS, RULE_TEXTS

M_BREACH = msg("check.breach")


@dataclass(frozen=True)
class Breach:
    """One record that breaks one rule: ``rule`` (a key of :data:`RULE_TEXTS`), the record
    (``entity``, as the audit log names it, its ``entity_id`` and a ``label`` a person
    recognises) and the figures found (``params``, exact values)."""

    rule: str
    entity: str
    entity_id: int
    label: str
    params: tuple[tuple[str, Any], ...] = ()

    def describe(self, lang: Lang | None = None) -> str:
        """The breach as one line a person reads: the record, the rule, what was found."""
        rule_code, found_code = RULE_TEXTS[self.rule]
        values = {k: shown(v) if isinstance(v, Decimal) else v for k, v in self.params}
        return translate(
            M_BREACH,
            lang,
            entity=translate(ENTITY_TEXTS[self.entity], lang),
            id=self.entity_id,
            label=self.label,
            rule=translate(rule_code, lang),
            found=translate(found_code, lang, **values),
        )

    def as_json(self, lang: Lang | None = None) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "entity": self.entity,
            "id": self.entity_id,
            "label": self.label,
            "found": plain(dict(self.params)),
            "message": self.describe(lang),
        }


Check = Callable[[Session], Iterable[Breach]]


def checks() -> list[Check]:
    """Every check, in the order a report lists them."""
    from fundtrack.queries.integrity import allocations, expenses, grants, records, staffing

    return [*expenses.CHECKS, *grants.CHECKS, *allocations.CHECKS, *staffing.CHECKS, *records.CHECKS]


def run_checks(session: Session, progress: Callable[[int], object] | None = None) -> list[Breach]:
    """Every breach of every rule in the database (all organisations), in rule order.

    ``progress``, if given, is called with 1 after each check. Reads only.
    """
    found: list[Breach] = []
    for check in checks():
        found.extend(check(session))
        if progress is not None:
            progress(1)
    return found


__all__ = ["ENTITY_TEXTS", "RULE_TEXTS", "Breach", "Check", "checks", "run_checks"]

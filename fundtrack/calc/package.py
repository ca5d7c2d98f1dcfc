"""The financial package (montage financier) of a project, and the rules of allocation.

domain.md 4.5. For one project and one period: its total cost (its budget lines), every
source that covers it (each grant with its funder, status, amount and share of the
total; in-kind contributions at fair value; the organisation's own funds) and the gap,
twice: if only confirmed money comes, and if every request is granted. In-kind
contributions are sources that cover part of the budgeted cost (a room lent by a
partner is budgeted at its fair value and covered by the loan).

Conditions are reported as holding or falling short by an amount:

- allocation rules of each grant: never more than the grant in total or in one of
  its periods, restricted grants only on eligible categories, administrative fees
  under the cap (the same checks refuse a new allocation: :func:`check_allocations`);
- matching contributions: other sources must bring at least a share of the grant or
  of the project's cost;
- no combination: not with another grant of the same funder for the same project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from fundtrack.errors import RuleViolation
from fundtrack.i18n import Lang, msg, translate
from fundtrack.money import ZERO, format_money, percent_of, round_half_up, shown
from fundtrack.periods import DateRange

RATE_PLACES = Decimal("0.0001")

Rule = Literal["total", "period", "eligible", "fee_cap", "matching", "no_combination"]
RULES: tuple[Rule, ...] = ("total", "period", "eligible", "fee_cap", "matching", "no_combination")


M_HOLDS = msg("package.holds")
M_SHORT = msg("package.short")
M_EXCESS = msg("package.excess")

M_OVER_TOTAL = msg("allocation.over_total")
M_OVER_PERIOD = msg("allocation.over_period")
M_OUTSIDE_PERIOD = msg("allocation.outside_period")
M_INELIGIBLE = msg("grant.ineligible_category")
M_FEE_CAP = msg("allocation.fee_cap")
M_NOT_POSITIVE = msg("allocation.not_positive")


@dataclass(frozen=True)
class GrantTerms:
    """What the allocation rules need to know of a grant agreement.

    ``by_period`` is the grant's amount in each period allocations are made by
    (usually the organisation's fiscal years), from its explicit schedule or spread
    by days. ``fee_cap`` is a fraction (0.15 for 15 %) of the grant's amount.
    """

    grant_id: int
    label: str
    amount: Decimal
    period: DateRange
    by_period: Mapping[DateRange, Decimal]
    restricted: bool = False
    eligible_categories: frozenset[str] = frozenset()
    fee_cap: Decimal | None = None


@dataclass(frozen=True)
class AllocationItem:
    """One allocation of the grant: to a line of some category, for one period."""

    line_id: int
    category: str
    administrative: bool
    period: DateRange
    amount: Decimal


@dataclass(frozen=True)
class Condition:
    """A rule or condition for one grant, and how far it is from holding.

    ``limit`` is the maximum allowed (allocation rules, no combination) or the
    minimum required (matching); ``shortfall`` is 0 when it holds, else the amount
    by which it is exceeded or falls short.
    """

    rule: Rule
    grant_id: int
    grant: str
    limit: Decimal
    actual: Decimal
    shortfall: Decimal
    detail: str = ""
    refusal: str = ""
    params: tuple[tuple[str, object], ...] = ()

    @property
    def holds(self) -> bool:
        return self.shortfall == 0

    def label(self, lang: Lang | None = None) -> str:
        return translate(f"package.rule.{self.rule}", lang)

    def detail_text(self, lang: Lang | None = None) -> str:
        """The detail as a person reads it (a matching condition's basis in words)."""
        if self.rule == "matching" and self.detail:
            return translate(f"package.matching_basis.{self.detail}", lang)
        return self.detail

    def status(self, lang: Lang | None = None) -> str:
        if self.holds:
            return translate(M_HOLDS, lang)
        code = M_SHORT if self.rule == "matching" else M_EXCESS
        return translate(code, lang, amount=format_money(self.shortfall, lang))

    def violation(self) -> RuleViolation:
        return RuleViolation(self.refusal, field="amount", **dict(self.params))


def allocation_conditions(grant: GrantTerms, allocations: Sequence[AllocationItem]) -> list[Condition]:
    """Every allocation rule of ``grant`` over all its ``allocations``, held or not.

    Rules in order: each allocation's period overlaps the grant's; restricted grants
    go only to eligible categories; the total stays within the grant's amount; each
    period's total within the grant's share of it; administrative fees within the cap.
    """
    out: list[Condition] = []
    out.extend(_period_conditions(grant, allocations))
    out.extend(_eligibility_conditions(grant, allocations))
    total = sum((a.amount for a in allocations), ZERO)
    out.append(_max_condition("total", grant, limit=grant.amount, actual=total, refusal=M_OVER_TOTAL))
    if grant.fee_cap is not None:
        fees = sum((a.amount for a in allocations if a.administrative), ZERO)
        limit = percent_of(grant.amount, grant.fee_cap)
        cap = (grant.fee_cap * 100).normalize()
        out.append(_max_condition("fee_cap", grant, limit=limit, actual=fees, refusal=M_FEE_CAP, cap=f"{cap:f}"))
    return out


def _max_condition(
    rule: Rule, grant: GrantTerms, *, limit: Decimal, actual: Decimal, refusal: str, detail: str = "", **extra: object
) -> Condition:
    params = {"grant": grant.label, "limit": shown(limit), "actual": shown(actual), **extra}
    return Condition(
        rule=rule,
        grant_id=grant.grant_id,
        grant=grant.label,
        limit=limit,
        actual=actual,
        shortfall=max(ZERO, actual - limit),
        detail=detail,
        refusal=refusal,
        params=tuple(params.items()),
    )


def _period_conditions(grant: GrantTerms, allocations: Sequence[AllocationItem]) -> list[Condition]:
    per_period: dict[DateRange, Decimal] = {}
    for a in allocations:
        per_period[a.period] = per_period.get(a.period, ZERO) + a.amount
    out: list[Condition] = []
    for period, actual in sorted(per_period.items()):
        label = getattr(period, "label", str(period))
        if not period.overlap_days(grant.period):
            out.append(
                _max_condition(
                    "period",
                    grant,
                    limit=ZERO,
                    actual=actual,
                    refusal=M_OUTSIDE_PERIOD,
                    detail=label,
                    period=label,
                    start=grant.period.start,
                    end=grant.period.end,
                )
            )
            continue
        limit = grant.by_period.get(period, ZERO)
        out.append(
            _max_condition(
                "period", grant, limit=limit, actual=actual, refusal=M_OVER_PERIOD, detail=label, period=label
            )
        )
    return out


def _eligibility_conditions(grant: GrantTerms, allocations: Sequence[AllocationItem]) -> list[Condition]:
    if not grant.restricted:
        return []
    ineligible: dict[str, Decimal] = {}
    for a in allocations:
        if a.category not in grant.eligible_categories:
            ineligible[a.category] = ineligible.get(a.category, ZERO) + a.amount
    return [
        _max_condition("eligible", grant, limit=ZERO, actual=amount, refusal=M_INELIGIBLE, detail=cat, category=cat)
        for cat, amount in sorted(ineligible.items())
    ]


def check_allocations(grant: GrantTerms, allocations: Sequence[AllocationItem]) -> None:
    """Raise the :class:`RuleViolation` of the first allocation rule ``allocations`` break.

    Pass every allocation of the grant, the new one included.
    """
    for a in allocations:
        if a.amount <= 0:
            raise RuleViolation(M_NOT_POSITIVE, field="amount", amount=shown(a.amount))
    for condition in allocation_conditions(grant, allocations):
        if not condition.holds:
            raise condition.violation()


# --- the package ---------------------------------------------------------------------

SourceKind = Literal["grant", "in_kind", "own_funds"]
# the glossary term that names each kind of source
SOURCE_KIND_LABELS: dict[SourceKind, str] = {
    "grant": msg("term.grant"),
    "in_kind": msg("term.in_kind"),
    "own_funds": msg("term.own_funds"),
}
MatchingBasis = Literal["grant", "project"]


@dataclass(frozen=True)
class PackageGrant:
    """A grant in a project's package: its part of the project's budget in the period."""

    grant_id: int
    label: str
    funder: str
    status: str
    confirmed: bool
    amount: Decimal
    matching_rate: Decimal | None = None
    matching_basis: MatchingBasis | None = None
    no_combination: bool = False


@dataclass(frozen=True)
class InKind:
    description: str
    fair_value: Decimal
    contributor: str = ""


@dataclass(frozen=True)
class Source:
    """One line of the package's sources; ``share`` is of the total cost (None if it is 0)."""

    kind: SourceKind
    label: str
    funder: str
    status: str
    amount: Decimal
    share: Decimal | None
    confirmed: bool
    grant_id: int | None = None


@dataclass(frozen=True)
class FinancialPackage:
    project: str
    period: DateRange
    total_cost: Decimal
    sources: tuple[Source, ...]
    conditions: tuple[Condition, ...]

    def _sum(self, *, confirmed: bool | None = None, kind: SourceKind | None = None) -> Decimal:
        return sum(
            (
                s.amount
                for s in self.sources
                if (confirmed is None or s.confirmed == confirmed) and (kind is None or s.kind == kind)
            ),
            ZERO,
        )

    @property
    def confirmed_total(self) -> Decimal:
        """Every confirmed source: confirmed grants, in-kind and own funds."""
        return self._sum(confirmed=True)

    @property
    def requested_total(self) -> Decimal:
        return self._sum(confirmed=False)

    @property
    def in_kind_total(self) -> Decimal:
        return self._sum(kind="in_kind")

    @property
    def own_funds(self) -> Decimal:
        return self._sum(kind="own_funds")

    @property
    def gap_confirmed(self) -> Decimal:
        """What is left uncovered if only confirmed money comes (never below zero)."""
        return max(ZERO, self.total_cost - self.confirmed_total)

    @property
    def gap_if_granted(self) -> Decimal:
        """What is left uncovered if every request is granted (never below zero)."""
        return max(ZERO, self.total_cost - self.confirmed_total - self.requested_total)

    @property
    def surplus_if_granted(self) -> Decimal:
        """Sources beyond the cost if every request is granted."""
        return max(ZERO, self.confirmed_total + self.requested_total - self.total_cost)


@dataclass(frozen=True)
class LinkedGrant:
    """A grant linked to the project without allocations: its amount in the period, and
    the categories it may pay for (None: any)."""

    key: int
    amount: Decimal
    confirmed: bool
    eligible: frozenset[int] | None
    end: date


def cap_linked_grants(linked: Sequence[LinkedGrant], uncovered: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """What each linked grant brings to the package: at most the cost still uncovered in
    the categories it may pay for.

    ``uncovered`` is the project's cost per category in the period less what allocated
    grants cover. Confirmed grants take first, then restricted ones, then the earliest
    to expire (the coverage order of domain.md 4.5), so that money a project's budget
    has no line for is not counted as covering it.
    """
    left = {category: max(amount, ZERO) for category, amount in uncovered.items()}
    out: dict[int, Decimal] = {}
    order = sorted(linked, key=lambda g: (not g.confirmed, g.eligible is None, g.end, g.key))
    for grant in order:
        wanted = grant.amount
        taken = ZERO
        for category in sorted(left):
            if wanted <= 0:
                break
            if grant.eligible is not None and category not in grant.eligible:
                continue
            part = min(wanted, left[category])
            left[category] -= part
            wanted -= part
            taken += part
        out[grant.key] = taken
    return out


def share_of(amount: Decimal, total: Decimal) -> Decimal | None:
    """``amount / total`` to four places (0.2500 = 25 %), None when ``total`` is 0."""
    if total == 0:
        return None
    return round_half_up(amount / total, RATE_PLACES)


def financial_package(
    project: str,
    period: DateRange,
    total_cost: Decimal,
    grants: Iterable[PackageGrant],
    in_kind: Iterable[InKind] = (),
    own_funds: Decimal = ZERO,
    allocation_rules: Iterable[Condition] = (),
    own_funds_label: str = "",
) -> FinancialPackage:
    """Assemble the package of ``project`` over ``period``.

    ``grants`` are the project's grants with their amounts in the period (declined
    ones left out by the caller); ``allocation_rules`` are the conditions from
    :func:`allocation_conditions` for those grants. Matching and no-combination
    conditions are computed here, with confirmed sources only.
    """
    grants = sorted(grants, key=lambda g: (not g.confirmed, g.funder, g.label))
    in_kind = list(in_kind)
    sources: list[Source] = [
        Source("grant", g.label, g.funder, g.status, g.amount, share_of(g.amount, total_cost), g.confirmed, g.grant_id)
        for g in grants
    ]
    sources += [
        Source(
            "in_kind", k.description, k.contributor, "in_kind", k.fair_value, share_of(k.fair_value, total_cost), True
        )
        for k in in_kind
    ]
    if own_funds:
        sources.append(
            Source("own_funds", own_funds_label, "", "own_funds", own_funds, share_of(own_funds, total_cost), True)
        )
    conditions = list(allocation_rules)
    conditions += _matching_conditions(grants, sources, total_cost)
    conditions += _combination_conditions(grants)
    return FinancialPackage(project, period, total_cost, tuple(sources), tuple(conditions))


def _matching_conditions(
    grants: Sequence[PackageGrant], sources: Sequence[Source], total_cost: Decimal
) -> list[Condition]:
    out: list[Condition] = []
    for g in grants:
        if g.matching_rate is None or g.matching_basis is None:
            continue
        base = g.amount if g.matching_basis == "grant" else total_cost
        required = percent_of(base, g.matching_rate)
        others = sum((s.amount for s in sources if s.confirmed and s.grant_id != g.grant_id), ZERO)
        out.append(
            Condition(
                rule="matching",
                grant_id=g.grant_id,
                grant=g.label,
                limit=required,
                actual=others,
                shortfall=max(ZERO, required - others),
                detail=g.matching_basis,
            )
        )
    return out


def _combination_conditions(grants: Sequence[PackageGrant]) -> list[Condition]:
    out: list[Condition] = []
    for g in grants:
        if not g.no_combination:
            continue
        same_funder = sum((o.amount for o in grants if o.funder == g.funder and o.grant_id != g.grant_id), ZERO)
        out.append(
            Condition(
                rule="no_combination",
                grant_id=g.grant_id,
                grant=g.label,
                limit=ZERO,
                actual=same_funder,
                shortfall=same_funder,
                detail=g.funder,
            )
        )
    return out

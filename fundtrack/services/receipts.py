"""Instalments received: what came in, when, on which instalment, never more than the grant.

An instalment takes receipts until it is received in full; a receipt of a different
amount than expected is recorded with the difference shown (0,01 $ on a 30 000 $
instalment is not "received in full"), and what is received on a grant never exceeds
the grant. The grant's row is locked while the receipt is checked and written, so two
people receiving the same instalment at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fundtrack.errors import InputError, NotFound, RuleViolation
from fundtrack.i18n import msg
from fundtrack.models import Instalment, InstalmentReceipt
from fundtrack.money import ZERO, shown
from fundtrack.queries.lookups import check_revision, grant_by_reference, new_revision
from fundtrack.roles import Action
from fundtrack.schemas.ledger import Receipt
from fundtrack.services.context import Acting

M_UNKNOWN_INSTALMENT = msg("instalment.unknown")
M_RECEIVED_POSITIVE = msg("instalment.received_positive")
M_NO_INSTALMENTS = msg("instalment.none_scheduled")
M_NO_PENDING_INSTALMENT = msg("instalment.none_pending")
M_ALREADY_RECEIVED = msg("instalment.already_received")
M_OVER_GRANT = msg("instalment.over_grant")


@dataclass(frozen=True)
class ReceiptRecorded:
    """The instalment after the receipt, and how what came in compares with what was expected."""

    instalment: Instalment
    amount: Decimal

    @property
    def difference(self) -> Decimal:
        """Received so far less expected: negative while the instalment is short."""
        return (self.instalment.received_amount or ZERO) - self.instalment.expected_amount

    @property
    def in_full(self) -> bool:
        return self.difference >= 0


def record_instalment_received(session: Session, acting: Acting, cmd: Receipt) -> ReceiptRecorded:
    """Record ``cmd.amount`` received on ``cmd.received_date`` on the instalment expected on
    ``cmd.expected_date`` (default: the first not yet received in full).

    Raises :class:`NotFound` for an unknown grant or instalment, :class:`RuleViolation` for
    an instalment already received in full or a receipt that would exceed the grant.
    """
    acting.require(session, Action.MONEY)
    if cmd.amount <= 0:
        raise InputError(M_RECEIVED_POSITIVE, field="amount", value=shown(cmd.amount))
    grant = grant_by_reference(session, acting.scope, cmd.reference, lock=True)
    check_revision(grant, cmd.revision, grant.reference)
    if not grant.instalments:
        raise NotFound(M_NO_INSTALMENTS, field="grant", reference=grant.reference)
    instalment = _instalment(grant.instalments, cmd)
    received = sum((i.received_amount or ZERO for i in grant.instalments), ZERO)
    if received + cmd.amount > grant.amount:
        raise RuleViolation(
            M_OVER_GRANT,
            field="amount",
            amount=shown(cmd.amount),
            received=shown(received),
            grant=shown(grant.amount),
            reference=grant.reference,
        )
    instalment.receipts.append(InstalmentReceipt(received_date=cmd.received_date, amount=cmd.amount))
    instalment.received_amount = (instalment.received_amount or ZERO) + cmd.amount
    last = instalment.received_date
    instalment.received_date = cmd.received_date if last is None else max(last, cmd.received_date)
    new_revision(grant)  # the agreement as a whole
    session.flush()
    return ReceiptRecorded(instalment, cmd.amount)


def _instalment(instalments: list[Instalment], cmd: Receipt) -> Instalment:
    if cmd.expected_date is None:
        pending = [i for i in instalments if (i.received_amount or ZERO) < i.expected_amount]
        if not pending:
            raise NotFound(M_NO_PENDING_INSTALMENT, field="grant", reference=cmd.reference)
        return pending[0]
    for instalment in instalments:
        if instalment.expected_date == cmd.expected_date:
            if (instalment.received_amount or ZERO) >= instalment.expected_amount:
                raise RuleViolation(
                    M_ALREADY_RECEIVED,
                    field="expected_date",
                    date=cmd.expected_date,
                    received=instalment.received_date,
                    amount=shown(instalment.received_amount or ZERO),
                )
            return instalment
    raise NotFound(M_UNKNOWN_INSTALMENT, field="expected_date", date=cmd.expected_date, reference=cmd.reference)

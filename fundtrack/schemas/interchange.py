"""The top of the interchange file: its format marker and the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fundtrack.schemas.common import Choice, Rate, StrictSchema, Text, month_field

FORMAT_NAME = "fundtrack"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class NewOrganisation:
    """An organisation's settings, to create it or (with the version read) to change them.

    A rebate rate left out is the public service bodies' 50 % (domain.md 4.4).
    """

    name: str
    fiscal_start_month: int = 4
    language: str = "fr"
    gst_rebate_rate: Decimal | None = None
    qst_rebate_rate: Decimal | None = None
    cnesst_rate: Decimal | None = None
    address: str | None = None


class OrganisationSchema(StrictSchema):
    command = NewOrganisation
    name = Text(required=True)
    fiscal_start_month = month_field()
    language = Choice(["fr", "en"], load_default="fr")
    gst_rebate_rate = Rate(load_default=None, allow_none=True)
    qst_rebate_rate = Rate(load_default=None, allow_none=True)
    cnesst_rate = Rate(load_default=None, allow_none=True)
    address = Text(load_default=None, allow_none=True)

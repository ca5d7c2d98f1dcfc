"""The top of the interchange file: its format marker and the organisation."""

from __future__ import annotations

from fundtrack.schemas.common import Choice, Rate, StrictSchema, Text, month_field

FORMAT_NAME = "fundtrack"
FORMAT_VERSION = 1


class OrganisationSchema(StrictSchema):
    name = Text(required=True)
    fiscal_start_month = month_field()
    language = Choice(["fr", "en"], load_default="fr")
    gst_rebate_rate = Rate(load_default=None, allow_none=True)
    qst_rebate_rate = Rate(load_default=None, allow_none=True)
    cnesst_rate = Rate(load_default=None, allow_none=True)
    address = Text(load_default=None, allow_none=True)

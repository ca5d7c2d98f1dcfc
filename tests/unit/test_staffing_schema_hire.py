"""A scenario's added position, as a file gives it (and as ``simulate --add`` builds it)."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from fundtrack.i18n import using_lang
from fundtrack.schemas.staffing import ChangeSchema

HIRE = {
    "kind": "add",
    "position": "mobilisation",
    "title_fr": "Agent·e de mobilisation",
    "title_en": "Mobilisation agent",
    "hourly_rate": "26.00",
    "weekly_hours": "32",
    "start_date": "2027-01-05",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weekly_hours": "0"}, "weekly_hours", "an added position needs more than 0 weekly hours (0)"),
        ({"hourly_rate": "0"}, "hourly_rate", "an added position must be paid more than 0 (0.00)"),
        ({"title_fr": ""}, "title_fr", "a 'add' change needs: title_fr"),
        ({"weekly_hours": "abc"}, "weekly_hours", "invalid weekly hours (abc): a number from 0 to 168"),
    ],
)
def test_an_added_position_that_would_cost_nothing_or_has_no_title_is_refused(
    change: dict[str, Any], field: str, message: str
) -> None:
    with using_lang("en"), pytest.raises(ValidationError) as refused:
        ChangeSchema().load({**HIRE, **change})
    assert refused.value.messages == {field: [message]}


def test_a_change_of_hours_to_zero_is_still_a_change_the_plan_may_make() -> None:
    assert ChangeSchema().load({"kind": "change_pay", "position": "liaison", "weekly_hours": "0"}).weekly_hours == 0
    assert ChangeSchema().load(HIRE).weekly_hours == 32

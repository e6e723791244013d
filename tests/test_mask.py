import pytest

from stalkflag.mask import mask_value, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ring 07700 900123 now", "ring <phone> now"),
        ("ring +44 7700 900123", "ring <phone>"),
        ("mail jo.bloggs+x@example.co.uk", "mail <email>"),
        ("lives at LS1 4AB", "lives at <postcode>"),
        ("reported 2024-03-05 14:22:01", "reported 2024-03-05 14:22:01"),  # dates are not phones
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_personal_columns_are_never_shown():
    assert mask_value("victim_name", "Jane Doe") == "<masked: 8 chars>"
    assert mask_value("notes", "x" * 500) == "<masked: 500 chars>"
    assert mask_value("incident_id", "INC-1") == "'INC-1'"
    assert len(mask_value("recorded_category", "y" * 200)) <= 42
    assert mask_value("force", None) == "<missing>"

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


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("recorded_category", "harasment", "'harasment'"),  # close to a known category
        ("recorded_category", "Jade Example", "<masked: 12 chars: letters, spaces>"),
        ("incident_id", "Jade", "<masked: 4 chars: letters>"),  # an ID has a digit
        ("reported_at", "05/03/2024", "'05/03/2024'"),
        ("reported_at", "Jade Example", "<masked: 12 chars: letters, spaces>"),
        ("label", "-0.5", "'-0.5'"),
        ("label", "XF", "<masked: 2 chars: letters>"),
        ("force", "GMP", "<masked: 3 chars: letters>"),  # not on the allow-list
    ],
)
def test_only_values_known_to_be_safe_are_shown(column, value, expected):
    assert mask_value(column, value) == expected

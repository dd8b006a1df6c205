"""Label attributes: declarations, values, required values at submit, removals in use."""

import math

import pytest

from annotations import attributes
from annotations.attributes import (
    CHOICE,
    MULTI_CHOICE,
    NUMBER,
    TEXT,
    TEXT_LIMIT,
    Declared,
    Removal,
    clean,
    declarations,
    missing_required,
    removals,
    uses,
    value_errors,
)
from annotations.models import AttributeType, LabelAttribute

SENTIMENT = Declared("sentiment", CHOICE, required=True, choices=("positive", "negative"))
TOPICS = Declared("topics", MULTI_CHOICE, choices=("economy", "health", "war"))
NORMALISED = Declared("normalised", TEXT)
CONFIDENCE = Declared("confidence", NUMBER)
DECLARED = (SENTIMENT, TOPICS, NORMALISED, CONFIDENCE)


def test_the_types_and_limits_are_the_models():
    assert tuple(AttributeType.values) == attributes.TYPES
    assert LabelAttribute._meta.get_field("name").max_length == attributes.NAME_LIMIT


def test_valid_values_of_every_type_are_stored_as_given():
    values = {
        "sentiment": "positive",
        "topics": ["health"],
        "normalised": "Taxes went up.",
        "confidence": 0.5,
    }
    assert clean(values, DECLARED) == (values, {})


def test_multi_choice_is_stored_in_the_declared_order():
    stored, errors = clean({"topics": ["war", "economy"]}, DECLARED)
    assert errors == {}
    assert stored == {"topics": ["economy", "war"]}


@pytest.mark.parametrize("empty", [None, "", []])
def test_an_empty_value_is_dropped(empty):
    assert clean({"normalised": empty, "topics": empty}, DECLARED) == ({}, {})


def test_missing_or_null_attributes_mean_none():
    assert clean(None, DECLARED) == ({}, {})
    assert clean({}, DECLARED) == ({}, {})


@pytest.mark.parametrize("values", [[], "positive", 3, ["sentiment"]])
def test_attributes_that_are_not_an_object_are_refused(values):
    assert value_errors(values, DECLARED) == {"attributes": [attributes.NOT_AN_OBJECT]}


def test_an_unknown_name_is_refused_naming_the_label():
    assert value_errors({"mood": "sad"}, DECLARED, label="CLAIM") == {
        "attributes.mood": ['The label "CLAIM" has no attribute "mood".']
    }


def test_a_label_without_attributes_refuses_any():
    assert value_errors({"sentiment": "positive"}, ()) == {
        "attributes.sentiment": ['There is no attribute "sentiment".']
    }


def test_a_choice_not_among_the_choices_is_refused_listing_them():
    assert value_errors({"sentiment": "angry"}, DECLARED) == {
        "attributes.sentiment": ['"angry" is not one of the choices: "positive", "negative".']
    }


@pytest.mark.parametrize("value", [1, True, ["positive"], {"a": 1}])
def test_a_choice_of_the_wrong_type_is_refused(value):
    assert value_errors({"sentiment": value}, DECLARED) == {
        "attributes.sentiment": [attributes.NOT_A_STRING]
    }


@pytest.mark.parametrize("value", ["economy", [1], ["economy", None], {"economy": True}])
def test_a_multi_choice_that_is_not_a_list_of_strings_is_refused(value):
    assert value_errors({"topics": value}, DECLARED) == {
        "attributes.topics": [attributes.NOT_A_LIST]
    }


def test_a_multi_choice_outside_the_choices_is_refused():
    assert value_errors({"topics": ["economy", "sport"]}, DECLARED) == {
        "attributes.topics": ['"sport" is not one of the choices: "economy", "health", "war".']
    }


def test_a_multi_choice_given_twice_is_refused():
    assert value_errors({"topics": ["war", "war"]}, DECLARED) == {
        "attributes.topics": ['"war" is given twice.']
    }


@pytest.mark.parametrize("value", [3, ["a"], True])
def test_text_of_the_wrong_type_is_refused(value):
    assert value_errors({"normalised": value}, DECLARED) == {
        "attributes.normalised": [attributes.NOT_TEXT]
    }


def test_text_up_to_the_limit_in_code_points_is_stored():
    # Emoji are two UTF-16 units each: the limit counts code points, as offsets do.
    text = "😀" * TEXT_LIMIT
    assert clean({"normalised": text}, DECLARED) == ({"normalised": text}, {})


def test_text_past_the_limit_is_refused_with_its_length():
    assert value_errors({"normalised": "a" * (TEXT_LIMIT + 1)}, DECLARED) == {
        "attributes.normalised": ["Must be at most 2000 characters long; this is 2001."]
    }


@pytest.mark.parametrize("value", [0, -3, 2.5, 10**20])
def test_numbers_are_stored(value):
    assert clean({"confidence": value}, DECLARED) == ({"confidence": value}, {})


@pytest.mark.parametrize("value", [True, False, "3", [1]])
def test_a_number_of_the_wrong_type_is_refused(value):
    assert value_errors({"confidence": value}, DECLARED) == {
        "attributes.confidence": [attributes.NOT_A_NUMBER]
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_number_that_is_not_finite_is_refused(value):
    assert value_errors({"confidence": value}, DECLARED) == {
        "attributes.confidence": [attributes.NOT_FINITE]
    }


def test_every_bad_value_is_reported_under_the_prefix():
    errors = value_errors(
        {"sentiment": "angry", "confidence": "high", "normalised": "ok"},
        DECLARED,
        prefix="spans.3.attributes",
    )
    assert sorted(errors) == ["spans.3.attributes.confidence", "spans.3.attributes.sentiment"]


def test_a_required_value_may_be_left_out_of_a_write():
    assert value_errors({"topics": ["war"]}, DECLARED) == {}


def test_missing_required_names_the_required_attributes_without_a_value():
    required_text = Declared("claim_text", TEXT, required=True)
    declared = (*DECLARED, required_text)
    assert missing_required({}, declared) == ["sentiment", "claim_text"]
    assert missing_required({"sentiment": "positive", "claim_text": ""}, declared) == ["claim_text"]
    assert missing_required({"sentiment": "negative", "claim_text": "x"}, declared) == []


def test_missing_required_reads_model_rows():
    row = LabelAttribute(name="sentiment", type=CHOICE, required=True, choices=["a"])
    assert missing_required({}, [row]) == ["sentiment"]
    assert value_errors({"sentiment": "b"}, [row]) == {
        "attributes.sentiment": ['"b" is not one of the choices: "a".']
    }


# --- declarations ------------------------------------------------------------------------------


def test_valid_declarations_are_read_in_order():
    found, errors = declarations(
        [
            {"name": "sentiment", "type": "choice", "required": True, "choices": ["pos", "neg"]},
            {"name": "normalised", "type": "text", "description": "As a full sentence."},
        ]
    )
    assert errors == {}
    assert found == [
        Declared("sentiment", CHOICE, required=True, choices=("pos", "neg")),
        Declared("normalised", TEXT, description="As a full sentence."),
    ]


def test_an_empty_list_declares_no_attribute():
    assert declarations([]) == ([], {})


@pytest.mark.parametrize("items", [None, {}, "sentiment"])
def test_declarations_that_are_not_a_list_are_refused(items):
    assert declarations(items)[1] == {"attributes": [attributes.DECLARATIONS_NOT_A_LIST]}


def test_a_declaration_that_is_not_an_object_is_refused():
    assert declarations(["sentiment"])[1] == {
        "attributes.0": [attributes.DECLARATION_NOT_AN_OBJECT]
    }


def test_a_name_declared_twice_is_refused_at_the_second():
    errors = declarations([{"name": "a", "type": "text"}, {"name": "a", "type": "number"}])[1]
    assert errors == {"attributes.1.name": ['"a" is declared twice.']}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", attributes.NAME_MISSING),
        (None, attributes.NAME_MISSING),
        ("1st", attributes.NAME_NOT_A_KEY),
        ("has space", attributes.NAME_NOT_A_KEY),
        ("a" * 65, attributes.NAME_TOO_LONG),
    ],
)
def test_a_name_that_is_not_a_key_is_refused(name, message):
    assert declarations([{"name": name, "type": "text"}])[1] == {"attributes.0.name": [message]}


def test_an_unknown_type_is_refused():
    assert declarations([{"name": "a", "type": "date"}])[1] == {
        "attributes.0.type": [attributes.TYPE_INVALID]
    }


@pytest.mark.parametrize("kind", [CHOICE, MULTI_CHOICE])
def test_a_choice_type_without_choices_is_refused(kind):
    assert declarations([{"name": "a", "type": kind}])[1] == {
        "attributes.0.choices": [f"A {kind} attribute needs at least one choice."]
    }
    assert declarations([{"name": "a", "type": kind, "choices": []}])[1] == {
        "attributes.0.choices": [f"A {kind} attribute needs at least one choice."]
    }


def test_choices_given_twice_or_empty_are_refused():
    errors = declarations([{"name": "a", "type": "choice", "choices": ["x", "x", " ", 3]}])[1]
    assert errors == {
        "attributes.0.choices": [
            '"x" is listed twice.',
            attributes.CHOICE_EMPTY,
            attributes.CHOICE_NOT_A_STRING,
        ]
    }


def test_choices_that_are_not_a_list_are_refused():
    assert declarations([{"name": "a", "type": "choice", "choices": "x,y"}])[1] == {
        "attributes.0.choices": [attributes.CHOICES_NOT_A_LIST]
    }


@pytest.mark.parametrize("kind", [TEXT, NUMBER])
def test_choices_on_other_types_are_refused(kind):
    assert declarations([{"name": "a", "type": kind, "choices": ["x"]}])[1] == {
        "attributes.0.choices": [attributes.CHOICES_NOT_ALLOWED]
    }


def test_required_and_description_must_have_their_types():
    errors = declarations([{"name": "a", "type": "text", "required": "yes", "description": 3}])[1]
    assert errors == {
        "attributes.0.required": [attributes.REQUIRED_NOT_BOOLEAN],
        "attributes.0.description": [attributes.DESCRIPTION_NOT_TEXT],
    }


def test_an_unknown_declaration_field_is_refused():
    assert declarations([{"name": "a", "type": "text", "default": "x"}])[1] == {
        "attributes.0.default": [
            'Unknown field "default": an attribute has name, type, required, choices, description.'
        ]
    }


# --- removals ----------------------------------------------------------------------------------


def test_removals_list_removed_attributes_changed_types_and_removed_choices():
    new = [
        Declared("sentiment", CHOICE, choices=("positive",)),
        Declared("normalised", NUMBER),
        Declared("topics", MULTI_CHOICE, choices=("economy", "health", "war", "sport")),
    ]
    assert removals(DECLARED, new) == [
        Removal("sentiment", "negative"),
        Removal("normalised"),
        Removal("confidence"),
    ]


def test_adding_attributes_or_choices_removes_nothing():
    new = [*DECLARED, Declared("extra", TEXT)]
    assert removals(DECLARED, new) == []


def test_uses_tells_whether_stored_values_hold_a_removal():
    assert uses({"sentiment": "negative"}, Removal("sentiment", "negative"))
    assert not uses({"sentiment": "positive"}, Removal("sentiment", "negative"))
    assert uses({"topics": ["war"]}, Removal("topics", "war"))
    assert not uses({"topics": ["health"]}, Removal("topics", "war"))
    assert uses({"normalised": "x"}, Removal("normalised"))
    assert not uses({}, Removal("normalised"))


def test_shown_and_as_choices_read_values_for_people_and_agreement():
    assert attributes.shown(["a", "b"]) == "a, b"
    assert attributes.shown(None) == "(none)"
    assert attributes.shown(2.5) == "2.5"
    assert attributes.as_choices(TOPICS, ["war", "health"]) == {"war", "health"}
    assert attributes.as_choices(SENTIMENT, "positive") == {"positive"}
    assert attributes.as_choices(SENTIMENT, None) == frozenset()


def test_same_ignores_empty_values_and_multi_choice_order():
    assert attributes.same(None, {})
    assert attributes.same({"topics": ["war", "economy"], "x": ""}, {"topics": ["economy", "war"]})
    assert not attributes.same({"topics": ["war"]}, {"topics": ["economy", "war"]})
    assert not attributes.same(["x"], {})


def test_kept_for_keeps_only_what_the_new_label_accepts():
    other = (Declared("sentiment", CHOICE, choices=("positive", "neutral")), NORMALISED)
    values = {"sentiment": "negative", "normalised": "x", "confidence": 1}
    assert attributes.kept_for(values, other) == {"normalised": "x"}
    assert attributes.kept_for({"sentiment": "positive"}, other) == {"sentiment": "positive"}

"""Request bodies take exactly what their OpenAPI schema describes: strict JSON types, `null`
only where it clears a field, and the rules validators enforce stated in the schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from hearth.crm.companies.models import CompanyCreate, CompanyUpdate
from hearth.crm.deals.models import DealUpdate
from hearth.crm.fields import DOMAIN_PATTERN, PHONE_PATTERN, TAG_PATTERN
from hearth.crm.interactions.models import InteractionCreate
from hearth.crm.people.models import PersonCreate, PersonUpdate
from hearth.crm.pipelines.models import StageCreate
from hearth.http.inputs import Patch, strict_body

PERSON = "3f6d2a9c-1b7e-4c5d-8e2f-6a9b0c1d2e3f"


def _errors(model: type[BaseModel], body: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        strict_body(model)(body)
    return [(e["loc"], e["type"]) for e in caught.value.errors()]


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return TypeAdapter(model).json_schema(mode="validation")


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (CompanyCreate, {"name": "Acme", "employee_count": True}, "employee_count"),
        (CompanyCreate, {"name": "Acme", "employee_count": 12.5}, "employee_count"),
        (CompanyCreate, {"name": "Acme", "employee_count": "12"}, "employee_count"),
        (StageCreate, {"name": "Demo", "probability": False}, "probability"),
        (PersonCreate, {"first_name": "Ada", "sms_opt_out": 1}, "sms_opt_out"),
        (PersonCreate, {"first_name": "Ada", "sms_opt_out": "true"}, "sms_opt_out"),
        (InteractionCreate, {"type": "call", "person_id": PERSON, "occurred_at": 0.5}, "occurred_at"),
        (InteractionCreate, {"type": "call", "person_id": PERSON, "occurred_at": "17000000"}, "occurred_at"),
        (DealUpdate, {"expected_close_date": 20260101}, "expected_close_date"),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_coerced(model, body, field):
    assert [loc for loc, _ in _errors(model, body)] == [(field,)]


def test_an_integral_number_is_an_integer_as_in_json_schema():
    assert strict_body(CompanyCreate)({"name": "Acme", "employee_count": 12.0}).employee_count == 12


def test_the_documented_string_forms_are_taken():
    interaction = strict_body(InteractionCreate)(
        {"type": "call", "person_id": PERSON, "occurred_at": "2026-01-15T09:30:00Z"}
    )
    assert str(interaction.person_id) == PERSON
    assert interaction.occurred_at.year == 2026
    deal = strict_body(DealUpdate)({"expected_close_date": "2026-03-31", "amount": 100})
    assert deal.changes() == {"expected_close_date": deal.expected_close_date, "amount": 100}


def test_null_clears_only_what_the_schema_calls_nullable():
    schema = _schema(CompanyUpdate)
    assert schema["minProperties"] == 1
    for name, prop in schema["properties"].items():
        nullable = {"type": "null"} in prop.get("anyOf", [])
        assert nullable == (name not in CompanyUpdate.required), name
        body = {name: None}
        if nullable:
            assert strict_body(CompanyUpdate)(body).changes() == body
        else:
            assert _errors(CompanyUpdate, body) == [((name,), "not_nullable")]
    assert _errors(CompanyUpdate, {}) == [((), "nothing_to_change")]


def test_every_partial_update_documents_its_required_fields_as_not_nullable():
    updates = [cls for cls in _subclasses(Patch) if cls.required]
    assert len(updates) >= 10
    for model in updates:
        properties = _schema(model)["properties"]
        for name in model.required:
            assert {"type": "null"} not in properties[name].get("anyOf", []), (model.__name__, name)
            assert "default" not in properties[name], (model.__name__, name)


def _subclasses(cls: type) -> list[type[Patch]]:
    import hearth.crm.companies.models
    import hearth.crm.deals.models
    import hearth.crm.interactions.models
    import hearth.crm.notes.models
    import hearth.crm.people.models
    import hearth.crm.pipelines.models
    import hearth.crm.projects.models
    import hearth.crm.tasks.models
    import hearth.crm.time_entries.models  # noqa: F401

    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_person_needs_a_first_or_last_name_and_the_schema_says_so():
    any_of = _schema(PersonCreate)["anyOf"]
    assert {tuple(branch["required"]) for branch in any_of} == {("first_name",), ("last_name",)}
    assert _errors(PersonCreate, {"email": "a@example.com"}) == [((), "name_required")]
    assert _errors(PersonCreate, {"first_name": None, "last_name": None}) == [((), "name_required")]
    assert strict_body(PersonCreate)({"last_name": "Lovelace"}).last_name == "Lovelace"


def test_interaction_needs_a_person_company_or_deal_and_the_schema_says_so():
    any_of = _schema(InteractionCreate)["anyOf"]
    assert {tuple(branch["required"]) for branch in any_of} == {("person_id",), ("company_id",), ("deal_id",)}
    assert _errors(InteractionCreate, {"type": "call"}) == [((), "link_required")]


@pytest.mark.parametrize(
    ("pattern", "valid", "invalid"),
    [
        (
            PHONE_PATTERN,
            ["+4930123456", "+1 (555) 123-4567", "+44.20.7946.0958"],
            ["030123456", "+0301234567", "+12"],
        ),
        (
            DOMAIN_PATTERN,
            ["acme.example", "Sub.ACME.example.", "xn--bcher-kva.example"],
            ["acme", "-a.example", "a_b.com"],
        ),
        (TAG_PATTERN, ["vip", " key account ", "q3/2026", "déjà"], ["", " ", "-vip", "a" * 51, "tab\there"]),
    ],
)
def test_field_patterns_are_what_the_validators_check(pattern, valid, invalid):
    """The schema's pattern (searched as a JSON Schema validator does) and the validator agree."""
    fields = {PHONE_PATTERN: "phones", DOMAIN_PATTERN: "domain", TAG_PATTERN: "tags"}[pattern]
    model = PersonCreate if fields == "phones" else CompanyCreate
    base: dict[str, Any] = {"first_name": "Ada"} if model is PersonCreate else {"name": "Acme"}
    for value in valid:
        assert re.search(pattern, value), value
        strict_body(model)({**base, fields: [value] if fields != "domain" else value})
    for value in invalid:
        assert not re.search(pattern, value), value
        with pytest.raises(ValidationError):
            strict_body(model)({**base, fields: [value] if fields != "domain" else value})


def test_text_limits_are_those_of_the_string_sent_and_blank_is_refused():
    assert strict_body(PersonUpdate)({"job_title": "  CTO  "}).job_title == "CTO"
    assert _errors(PersonUpdate, {"job_title": " \t "}) == [(("job_title",), "blank")]
    assert _errors(PersonUpdate, {"job_title": "x" * 199 + "  "}) == [(("job_title",), "string_too_long")]
    assert _schema(PersonUpdate)["properties"]["job_title"]["anyOf"][0]["pattern"] == "[^ \\t\\n\\r]"


def test_currency_codes_are_an_enum_in_the_schema():
    prop = _schema(CompanyCreate)["properties"]["annual_revenue_currency"]["anyOf"][0]
    assert "EUR" in prop["enum"]
    assert "eur" in prop["enum"]
    assert (
        strict_body(CompanyCreate)(
            {"name": "Acme", "annual_revenue": 1, "annual_revenue_currency": "eur"}
        ).annual_revenue_currency
        == "EUR"
    )
    assert _errors(CompanyCreate, {"name": "Acme", "annual_revenue_currency": "EUO"}) == [
        (("annual_revenue_currency",), "currency")
    ]

"""Schema interop through the boundary: JSON Schema both ways, diff, Development Mode, sync
rules, inference and model code generation."""

import json

import pytest

from syncline import (
    SchemaChangeKind,
    SynclineError,
    schema_development_mode_decision,
    schema_diff,
    schema_from_json_schema,
    schema_generate_models,
    schema_infer,
    schema_sync_rule_errors,
    schema_to_json_schema,
)

PEOPLE = json.dumps([{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]"}}])
ADDED = json.dumps([{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]",
    "email": "string?"}}])
RETYPED = json.dumps([{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "string?", "tags": "string[]"}}])


def test_json_schema_round_trip():
    mapping = schema_to_json_schema(PEOPLE)
    [person] = json.loads(mapping.json)
    assert person["title"] == "Person"
    assert person["properties"]["tags"]["bsonType"] == "array"
    assert "name" in person["required"]
    back = schema_from_json_schema(mapping.json)
    assert schema_diff(PEOPLE, back.json) == []


def test_diff_classifies_each_change():
    [added] = schema_diff(PEOPLE, ADDED)
    assert (added.kind, added.class_name, added.property) == (
        SchemaChangeKind.ADDITIVE, "Person", "email")
    [retyped] = schema_diff(PEOPLE, RETYPED)
    assert retyped.kind == SchemaChangeKind.BREAKING
    assert retyped.property == "age"


def test_development_mode_accepts_additive_changes_only():
    assert len(schema_development_mode_decision(PEOPLE, ADDED, True)) == 1
    with pytest.raises(SynclineError.Schema) as error:
        schema_development_mode_decision(PEOPLE, RETYPED, True)
    assert "age" in str(error.value)
    with pytest.raises(SynclineError.Schema):
        schema_development_mode_decision(PEOPLE, ADDED, False)


def test_sync_rules():
    assert schema_sync_rule_errors(PEOPLE, ["name", "tags"]) == []
    errors = schema_sync_rule_errors(PEOPLE, [f"f{i}" for i in range(11)])
    assert any("10" in e for e in errors)


def test_inference_from_extended_json_lines():
    lines = "\n".join([
        '{"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}, "n": 1, "when": {"$date": "2024-01-01T00:00:00Z"}}',
        '{"_id": {"$oid": "65a1b2c3d4e5f60718293a4c"}, "n": "one"}',
    ])
    inference = schema_infer("Sample", lines)
    assert inference.documents == 2
    [sample] = json.loads(inference.schema_json)
    assert sample["primaryKey"] == "_id"
    assert "mixed" in json.dumps(sample["properties"]["n"])
    assert inference.report
    with pytest.raises(SynclineError.Schema) as error:
        schema_infer("Sample", '{"_id": 1}\nnot json')
    assert "line 2" in str(error.value)


def test_model_code_generation():
    assert "Person" in schema_generate_models(PEOPLE, "kotlin")
    assert "Person" in schema_generate_models(PEOPLE, "swift")
    with pytest.raises(SynclineError.Schema) as error:
        schema_generate_models(PEOPLE, "cobol")
    assert "cobol" in str(error.value)

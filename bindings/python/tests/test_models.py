"""Generated models (core/tests/fixtures/codegen_schema.json, every property type) against the
bindings: run-tests.sh writes them to models.py with the codegen example."""

import os
import tempfile

import pytest

import models
from syncline import Database, Link, PrimaryKey, Timestamp, Value


def sample() -> models.Todo:
    return models.Todo(
        _id="5f1b2c3d4e5f60718293a4b5",
        name="write",
        done=False,
        progress=0.5,
        created=Timestamp(seconds=5, nanos=7),
        ref="00112233-4455-6677-8899-aabbccddeeff",
        counter=3,
        priority=2,
        attachment=b"\x00\x01",
        tags=["a", "b"],
        maybe_tags=["x", None],
        numbers=[1, 2],
        labels={"k": "v"},
        weights={"w": None, "z": 1.5},
        owner=Link(class_name="Member", pk=PrimaryKey.STRING("m1")),
        watchers=[Link(class_name="Member", pk=PrimaryKey.STRING("m1"))],
        place=models.Address(street="Main", geo=models.Point()),
        stops=[models.Address(street="A"), models.Address(street="B", number=4)],
        extra=Value.STRING("hi"),
        mixes=[Value.INT(1), Value.NULL()],
        default="d",
        in_=5,
        two_words=True,
    )


def test_models_round_trip_through_the_database():
    db = Database.open(os.path.join(tempfile.mkdtemp(), "models.db"), models.SCHEMA_JSON)
    todo = sample()
    tx = db.begin_write()
    tx.create(models.Member.CLASS_NAME, models.Member(_id="m1").to_fields())
    pk = tx.create(models.Todo.CLASS_NAME, todo.to_fields())
    tx.commit()
    stored = db.get(models.Todo.CLASS_NAME, pk)
    assert models.Todo.from_fields(stored.fields) == todo


def test_missing_and_mistyped_fields_are_named():
    with pytest.raises(ValueError, match="Todo._id is missing"):
        models.Todo.from_fields({})
    fields = sample().to_fields()
    fields["done"] = Value.STRING("yes")
    with pytest.raises(TypeError, match="Todo.done: expected bool"):
        models.Todo.from_fields(fields)

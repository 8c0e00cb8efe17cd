"""Boundary tests: calls reach the core, errors become exceptions, threads share a database."""

import gc
import os
import threading

import pytest

from syncline import (
    CollectionKind,
    Database,
    PrimaryKey,
    PropertyType,
    SynclineError,
    Value,
    WriteBlock,
    version,
)

from conftest import TASK_SCHEMA


class Block(WriteBlock):
    """A write block from a plain function."""

    def __init__(self, body):
        self.body = body

    def run(self, transaction):
        self.body(transaction)


def task(pk, title):
    return {"_id": Value.INT(pk), "title": Value.STRING(title)}


def test_version_comes_from_the_native_library():
    assert version() == "0.1.0"


def test_create_get_update_delete(db):
    db.write(Block(lambda txn: txn.create("Task", task(1, "Write docs"))))
    stored = db.get("Task", PrimaryKey.INT(1))
    assert stored.fields["title"] == Value.STRING("Write docs")
    assert stored.fields["done"] == Value.BOOL(False)

    db.write(Block(lambda txn: txn.update("Task", PrimaryKey.INT(1), {"done": Value.BOOL(True)})))
    assert db.get("Task", PrimaryKey.INT(1)).fields["done"] == Value.BOOL(True)

    deleted = []
    db.write(Block(lambda txn: deleted.append(txn.delete("Task", PrimaryKey.INT(1)))))
    assert deleted == [True]
    assert db.get("Task", PrimaryKey.INT(1)) is None


def test_a_raising_block_rolls_back(db):
    def body(txn):
        txn.create("Task", task(7, "never stored"))
        raise RuntimeError("changed my mind")

    with pytest.raises(SynclineError.Callback, match="changed my mind"):
        db.write(Block(body))
    assert db.get("Task", PrimaryKey.INT(7)) is None


def test_errors_carry_the_cores_message(db, tmp_path):
    db.write(Block(lambda txn: txn.create("Task", task(1, "a"))))
    txn = db.begin_write()
    with pytest.raises(SynclineError.Conflict, match="already exists"):
        txn.create("Task", task(1, "b"))
    with pytest.raises(SynclineError.InvalidArgument, match="Task.title"):
        txn.create("Task", {"_id": Value.INT(2), "title": Value.INT(42)})
    # Updating a missing object fails, even with nothing to set.
    for fields in ({}, {"title": Value.STRING("c")}):
        with pytest.raises(SynclineError.NotFound, match="99"):
            txn.update("Task", PrimaryKey.INT(99), fields)
    txn.cancel()
    with pytest.raises(SynclineError.InvalidArgument, match="Nope"):
        db.get("Nope", PrimaryKey.INT(1))
    with pytest.raises(SynclineError.Schema, match="no-such-type"):
        Database.open(str(tmp_path / "x.db"), '[{"name": "X", "properties": {"a": "no-such-type"}}]')


def test_use_after_close(tmp_path):
    db = Database.open(str(tmp_path / "closed.db"), TASK_SCHEMA)
    db.close()
    assert db.is_closed()
    with pytest.raises(SynclineError.Closed, match="closed"):
        db.get("Task", PrimaryKey.INT(1))
    db.close()


def test_dropping_the_last_reference_frees_the_native_database():
    db = Database.open_temporary(TASK_SCHEMA)
    path = db.path()
    assert os.path.exists(path)
    del db
    gc.collect()
    assert not os.path.exists(path)


def test_explicit_transaction_commit_and_cancel(db):
    txn = db.begin_write()
    txn.create("Task", task(1, "kept"))
    txn.commit()
    assert not txn.is_open()
    with pytest.raises(SynclineError.Closed):
        txn.commit()
    cancelled = db.begin_write()
    cancelled.create("Task", task(2, "dropped"))
    cancelled.cancel()
    assert [o.pk for o in db.objects("Task")] == [PrimaryKey.INT(1)]


def test_batch_create_and_fetch(db):
    txn = db.begin_write()
    pks = txn.create_many("Task", [task(i, f"task {i}") for i in range(1, 101)])
    txn.commit()
    assert len(pks) == 100
    found, missing = db.get_many("Task", [PrimaryKey.INT(5), PrimaryKey.INT(500)])
    assert found.fields["title"] == Value.STRING("task 5")
    assert missing is None


def test_threads_share_one_database(db):
    errors = []

    def worker(base):
        try:
            for i in range(25):
                pk = base + i
                db.write(Block(lambda txn, pk=pk: txn.create("Task", task(pk, f"t{pk}"))))
                assert db.get("Task", PrimaryKey.INT(pk)).fields["title"] == Value.STRING(f"t{pk}")
        except Exception as error:  # surfaced below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(db.objects("Task")) == 100


def test_schema_inspection(db):
    (task_class,) = db.schema()
    assert task_class.name == "Task"
    assert task_class.primary_key == "_id"
    tags = next(p for p in task_class.properties if p.name == "tags")
    assert tags.property_type == PropertyType.STRING
    assert tags.collection == CollectionKind.LIST
    assert '"Task"' in db.schema_json()


def test_typed_schema_records_both_ways(tmp_path):
    from syncline import ClassSchema, IndexKind, PropertySchema, parse_schema_json, schema_to_json

    classes = [
        ClassSchema(
            name="Note",
            properties=[
                PropertySchema(name="_id", property_type=PropertyType.INT, collection=CollectionKind.SINGLE, index=IndexKind.NONE),
                PropertySchema(name="text", property_type=PropertyType.STRING, collection=CollectionKind.SINGLE, index=IndexKind.REGULAR),
            ],
            primary_key="_id",
        )
    ]
    db = Database.open_with_classes(str(tmp_path / "notes.db"), classes)
    assert db.schema() == classes
    assert parse_schema_json(schema_to_json(classes)) == classes
    txn = db.begin_write()
    txn.create("Note", {"_id": Value.INT(1), "text": Value.STRING("hi")})
    assert txn.count("Note", "text == $0", [Value.STRING("hi")]) == 1
    assert txn.query("Note", "TRUEPREDICATE", [])[0].pk == PrimaryKey.INT(1)
    txn.cancel()
    assert db.count("Note", "TRUEPREDICATE", []) == 0
    db.close()

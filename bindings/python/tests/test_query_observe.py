"""Queries with arguments, sort and limit; listeners receive change sets."""

import pytest

from syncline import (
    ChangeEvent,
    ChangeListener,
    ChangeSet,
    PrimaryKey,
    SortDescriptor,
    SynclineError,
    Value,
)


class Recorder(ChangeListener):
    def __init__(self):
        self.events = []

    def on_change(self, event):
        self.events.append(event)


def write(db, body):
    txn = db.begin_write()
    body(txn)
    txn.commit()


@pytest.fixture
def seeded(db):
    def seed(txn):
        txn.create("Task", {"_id": Value.INT(1), "title": Value.STRING("write docs")})
        txn.create("Task", {"_id": Value.INT(2), "title": Value.STRING("ship"), "done": Value.BOOL(True)})
        txn.create("Task", {"_id": Value.INT(3), "title": Value.STRING("write tests")})

    write(db, seed)
    return db


def test_query_with_arguments_sort_and_limit(seeded):
    found = seeded.query(
        "Task", "title BEGINSWITH $0", [Value.STRING("write")], [SortDescriptor(property="_id", ascending=False)], None
    )
    assert [o.fields["title"] for o in found] == [Value.STRING("write tests"), Value.STRING("write docs")]
    assert len(seeded.query("Task", "TRUEPREDICATE", limit=1)) == 1
    assert seeded.count("Task", "done == $0", [Value.BOOL(False)]) == 2
    with pytest.raises(SynclineError.Query):
        seeded.count("Task", "done ==")
    with pytest.raises(SynclineError.Query, match="nope"):
        seeded.count("Task", "nope == 1")


def test_query_listener_receives_change_sets(seeded):
    recorder = Recorder()
    handle = seeded.observe_query("Task", "done == false", [], recorder)
    assert recorder.events == [ChangeEvent.RESULTS_INITIAL([PrimaryKey.INT(1), PrimaryKey.INT(3)])]

    write(seeded, lambda txn: txn.update("Task", PrimaryKey.INT(1), {"done": Value.BOOL(True)}))
    assert recorder.events[1] == ChangeEvent.RESULTS_CHANGED(
        [PrimaryKey.INT(3)], ChangeSet(deletions=[0], insertions=[], modifications=[])
    )
    write(seeded, lambda txn: txn.update("Task", PrimaryKey.INT(3), {"title": Value.STRING("more")}))
    assert recorder.events[2].changes.modifications == [0]

    handle.cancel()
    assert not handle.is_active()
    write(seeded, lambda txn: txn.create("Task", {"_id": Value.INT(4), "title": Value.STRING("unseen")}))
    assert len(recorder.events) == 3


def test_object_listener_sees_properties_then_deletion(seeded):
    recorder = Recorder()
    handle = seeded.observe_object("Task", PrimaryKey.INT(2), recorder)
    assert recorder.events[0].is_OBJECT_INITIAL()
    write(seeded, lambda txn: txn.update("Task", PrimaryKey.INT(2), {"title": Value.STRING("shipped")}))
    assert recorder.events[1].properties == ["title"]
    write(seeded, lambda txn: txn.delete("Task", PrimaryKey.INT(2)))
    assert recorder.events[2] == ChangeEvent.OBJECT_DELETED()
    assert not handle.is_active()


def test_dropping_the_handle_stops_notifications(seeded):
    recorder = Recorder()
    handle = seeded.observe_query("Task", "TRUEPREDICATE", [], recorder)
    del handle
    write(seeded, lambda txn: txn.create("Task", {"_id": Value.INT(9), "title": Value.STRING("x")}))
    assert len(recorder.events) == 1

"""The task tracker in Python: open a database, write tasks, query them, observe changes.

Run: bindings/python/run-tests.sh builds the module; then
PYTHONPATH=target/bindings/python python3 examples/python/task_tracker.py [PATH]
"""

import os
import sys
import tempfile

from syncline import ChangeEvent, ChangeListener, Database, PrimaryKey, SortDescriptor, Value

SCHEMA = """[
  {"name": "Task", "primaryKey": "_id", "properties": {
    "_id": "int",
    "name": "string",
    "status": {"type": "string", "indexed": true},
    "priority": {"type": "int", "default": 0}}}
]"""


class OpenTasks(ChangeListener):
    """Prints how the list of open tasks changes."""

    def __init__(self):
        self.updates = 0

    def on_change(self, event):
        if isinstance(event, ChangeEvent.RESULTS_INITIAL):
            print(f"observer: {len(event.keys)} open tasks")
        elif isinstance(event, ChangeEvent.RESULTS_CHANGED):
            self.updates += 1
            changes = event.changes
            print(
                f"observer: now {len(event.keys)} open "
                f"(-{len(changes.deletions)} +{len(changes.insertions)} ~{len(changes.modifications)})"
            )


def task(pk, name, status, priority):
    return {
        "_id": Value.INT(pk),
        "name": Value.STRING(name),
        "status": Value.STRING(status),
        "priority": Value.INT(priority),
    }


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "tasks.db")
    db = Database.open(path, SCHEMA)
    print(f"opened {path}")

    listener = OpenTasks()
    handle = db.observe_query("Task", "status != 'Done'", [], listener)

    txn = db.begin_write()
    try:
        # Upserts keep the example idempotent when run twice on one file.
        txn.upsert("Task", task(1, "Write the schema", "Done", 3))
        txn.upsert("Task", task(2, "Bind it to Python", "InProgress", 5))
        txn.upsert("Task", task(3, "Ship the release", "Open", 1))
        txn.commit()
    except Exception:
        txn.cancel()
        raise

    for t in db.query("Task", "status != $0", [Value.STRING("Done")], [SortDescriptor(property="priority", ascending=False)], None):
        print(f"  [{t.fields['status'].value}] {t.fields['name'].value} (priority {t.fields['priority'].value})")

    txn = db.begin_write()
    txn.update("Task", PrimaryKey.INT(2), {"status": Value.STRING("Done")})
    txn.commit()

    done = db.count("Task", "status == 'Done'", [])
    print(f"{done} of {db.count('Task', 'TRUEPREDICATE', [])} tasks done")
    handle.cancel()
    db.close()
    if listener.updates < 1:
        sys.exit("the observer saw no change")


if __name__ == "__main__":
    main()

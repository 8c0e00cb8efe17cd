"""Schema versions and migrations through the boundary."""

import pytest

from syncline import Database, MigrationHandler, PrimaryKey, SynclineError, Value

V0 = """[{"name": "Person", "primaryKey": "_id",
          "properties": {"_id": "int", "name": "string"}}]"""
V1 = """[{"name": "Person", "primaryKey": "_id",
          "properties": {"_id": "int", "fullName": "string?"}}]"""


class Rename(MigrationHandler):
    """Moves `name` to `fullName`, upper-cased; remembers what it saw."""

    def __init__(self):
        self.seen = None

    def migrate(self, migration):
        self.seen = (migration.old_schema_version(), migration.new_schema_version())
        assert "name" in migration.old_schema_json()
        txn = migration.transaction()
        for person in migration.old_objects("Person"):
            name = person.fields["name"].value
            txn.set("Person", person.pk, "fullName", Value.STRING(name.upper()))


class Failing(MigrationHandler):
    def migrate(self, migration):
        migration.transaction().set("Person", PrimaryKey.INT(1), "fullName", Value.STRING("x"))
        raise RuntimeError("cannot migrate person 1")


def make_v0(path):
    db = Database.open_with_migration(path, V0, 0)
    txn = db.begin_write()
    txn.create("Person", {"_id": Value.INT(1), "name": Value.STRING("ada")})
    txn.commit()
    db.close()


def test_a_migration_renames_a_field(tmp_path):
    path = str(tmp_path / "people.db")
    make_v0(path)
    handler = Rename()
    db = Database.open_with_migration(path, V1, 1, handler)
    assert handler.seen == (0, 1)
    person = db.get("Person", PrimaryKey.INT(1))
    assert person.fields["fullName"] == Value.STRING("ADA")
    assert "name" not in person.fields
    db.close()


def test_a_breaking_change_without_migration_is_a_schema_error(tmp_path):
    path = str(tmp_path / "people.db")
    make_v0(path)
    with pytest.raises(SynclineError.Schema) as error:
        Database.open_with_migration(path, V1, 0)
    assert "Person" in str(error.value)
    assert "migration" in str(error.value)


def test_a_failing_migration_rolls_back_with_its_message(tmp_path):
    path = str(tmp_path / "people.db")
    make_v0(path)
    with pytest.raises(SynclineError.Callback) as error:
        Database.open_with_migration(path, V1, 1, Failing())
    assert "cannot migrate person 1" in str(error.value)
    # The file is unchanged: version 0 still opens it as before.
    db = Database.open(path, V0)
    assert db.get("Person", PrimaryKey.INT(1)).fields["name"] == Value.STRING("ada")
    db.close()


def test_a_migration_is_unusable_after_its_callback(tmp_path):
    path = str(tmp_path / "people.db")
    make_v0(path)
    kept = []

    class Keep(MigrationHandler):
        def migrate(self, migration):
            kept.append(migration)

    Database.open_with_migration(path, """[{"name": "Person", "primaryKey": "_id",
          "properties": {"_id": "int", "name": "string"}}]""", 1, Keep()).close()
    with pytest.raises(SynclineError.Closed):
        kept[0].old_objects("Person")
    with pytest.raises(SynclineError.Closed):
        kept[0].transaction().get("Person", PrimaryKey.INT(1))

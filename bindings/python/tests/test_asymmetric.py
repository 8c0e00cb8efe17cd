"""Asymmetric (insert-only) classes: a create returns its key; reading them is an error."""

import pytest

from syncline import Database, PrimaryKey, SynclineError, Value

SCHEMA = """[
  {"name": "Reading", "primaryKey": "_id", "asymmetric": true,
   "properties": {"_id": "int", "sensor": "string", "celsius": "double"}}
]"""


def test_asymmetric_objects_are_created_but_never_read(tmp_path):
    db = Database.open(str(tmp_path / "ingest.db"), SCHEMA)
    txn = db.begin_write()
    pk = txn.create(
        "Reading", {"_id": Value.INT(1), "sensor": Value.STRING("s1"), "celsius": Value.DOUBLE(21.5)}
    )
    assert pk == PrimaryKey.INT(1)
    with pytest.raises(SynclineError.Asymmetric, match="class 'Reading' is asymmetric"):
        txn.query("Reading", "TRUEPREDICATE", [])
    txn.commit()
    with pytest.raises(SynclineError.Asymmetric, match="class 'Reading' is asymmetric"):
        db.query("Reading", "celsius > 20")
    with pytest.raises(SynclineError.Asymmetric, match="cannot be read"):
        db.get("Reading", PrimaryKey.INT(1))
    # Validated like any create.
    txn = db.begin_write()
    with pytest.raises(SynclineError.InvalidArgument, match="Reading.celsius"):
        txn.create("Reading", {"_id": Value.INT(2), "sensor": Value.STRING("s1"), "celsius": Value.STRING("hot")})
    txn.cancel()
    db.close()

"""Every property type crosses the boundary and comes back equal."""

from syncline import Database, Link, PrimaryKey, Timestamp, Value

SCHEMA = """[
  {"name": "Address", "embedded": true, "properties": {"street": "string", "zip": "int?"}},
  {"name": "Owner", "primaryKey": "_id", "properties": {"_id": "uuid"}},
  {"name": "Everything", "primaryKey": "_id", "properties": {
    "_id": "objectId", "b": "bool", "i": "int", "f": "float", "d": "double", "s": "string",
    "bin": "data", "date": "date", "oid": "objectId", "u": "uuid", "dec": "decimal128",
    "any": "mixed", "owner": "Owner", "address": "Address",
    "list": "int[]", "set": "string<>", "dict": "double{}", "addresses": "Address[]",
    "maybe": "string?"}}
]"""

OWNER = "67e55044-10b1-426f-9247-bb680e5fe0c8"


def test_every_property_type_round_trips(tmp_path):
    db = Database.open(str(tmp_path / "values.db"), SCHEMA)
    fields = {
        "_id": Value.OBJECT_ID("5f1b2c3d4e5f601122334455"),
        "b": Value.BOOL(True),
        "i": Value.INT(-(2**63)),
        "f": Value.FLOAT(1.5),
        "d": Value.DOUBLE(-2.25),
        "s": Value.STRING("héllo ✓"),
        "bin": Value.BINARY(b"\x00\x01\xff"),
        "date": Value.DATE(Timestamp(seconds=1_700_000_000, nanos=123_456_789)),
        "oid": Value.OBJECT_ID("000000000000000000000001"),
        "u": Value.UUID(OWNER),
        "dec": Value.DECIMAL128("12.50"),
        "any": Value.STRING("mixed"),
        "owner": Value.LINK(Link(class_name="Owner", pk=PrimaryKey.UUID(OWNER))),
        "address": Value.EMBEDDED({"street": Value.STRING("Main"), "zip": Value.INT(1234)}),
        "list": Value.LIST([Value.INT(3), Value.INT(1), Value.INT(3)]),
        "set": Value.SET([Value.STRING("a"), Value.STRING("b")]),
        "dict": Value.DICTIONARY({"x": Value.DOUBLE(0.5)}),
        "addresses": Value.LIST([Value.EMBEDDED({"street": Value.STRING("Side"), "zip": Value.NULL()})]),
        "maybe": Value.NULL(),
    }
    txn = db.begin_write()
    txn.create("Owner", {"_id": Value.UUID(OWNER)})
    pk = txn.create("Everything", fields)
    txn.commit()
    stored = db.get("Everything", pk).fields
    for name, expected in fields.items():
        assert stored[name] == expected, name
    db.close()

package dev.syncline

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals

/** Every property type crosses the boundary and comes back equal. */
class ValueTest {
    private val schema = """[
      {"name": "Address", "embedded": true, "properties": {"street": "string", "zip": "int?"}},
      {"name": "Owner", "primaryKey": "_id", "properties": {"_id": "uuid"}},
      {"name": "Everything", "primaryKey": "_id", "properties": {
        "_id": "objectId", "b": "bool", "i": "int", "f": "float", "d": "double", "s": "string",
        "bin": "data", "date": "date", "oid": "objectId", "u": "uuid", "dec": "decimal128",
        "any": "mixed", "owner": "Owner", "address": "Address",
        "list": "int[]", "set": "string<>", "dict": "double{}", "addresses": "Address[]",
        "maybe": "string?"}}
    ]"""

    @Test
    fun everyPropertyTypeRoundTrips() {
        val dir = Files.createTempDirectory("syncline-values")
        try {
            Database.open(dir.resolve("v.db").toString(), schema).use { db ->
                val owner = "67e55044-10b1-426f-9247-bb680e5fe0c8"
                val fields = mapOf(
                    "_id" to Value.ObjectId("5f1b2c3d4e5f601122334455"),
                    "b" to Value.Bool(true),
                    "i" to Value.Int(Long.MIN_VALUE),
                    "f" to Value.Float(1.5f),
                    "d" to Value.Double(-2.25),
                    "s" to Value.String("héllo ✓"),
                    "bin" to Value.Binary(byteArrayOf(0, 1, -1)),
                    "date" to Value.Date(Timestamp(1_700_000_000, 123_456_789)),
                    "oid" to Value.ObjectId("000000000000000000000001"),
                    "u" to Value.Uuid(owner),
                    "dec" to Value.Decimal128("12.50"),
                    "any" to Value.String("mixed"),
                    "owner" to Value.Link(Link("Owner", PrimaryKey.Uuid(owner))),
                    "address" to Value.Embedded(mapOf("street" to Value.String("Main"), "zip" to Value.Int(1234))),
                    "list" to Value.ListOf(listOf(Value.Int(3), Value.Int(1), Value.Int(3))),
                    "set" to Value.SetOf(listOf(Value.String("a"), Value.String("b"))),
                    "dict" to Value.Dictionary(mapOf("x" to Value.Double(0.5))),
                    "addresses" to Value.ListOf(listOf(Value.Embedded(mapOf("street" to Value.String("Side"), "zip" to Value.Null)))),
                    "maybe" to Value.Null,
                )
                val pk = db.write { txn ->
                    txn.create("Owner", mapOf("_id" to Value.Uuid(owner)))
                    txn.create("Everything", fields)
                }
                val stored = db.get("Everything", pk)!!.fields
                for ((name, expected) in fields) {
                    val actual = stored[name]
                    if (expected is Value.Binary) {
                        assertContentEquals(expected.value, (actual as Value.Binary).value, name)
                    } else {
                        assertEquals(expected, actual, name)
                    }
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}

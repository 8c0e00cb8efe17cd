package dev.syncline

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** Schemas as typed records, both ways, and queries inside a transaction. */
class SchemaTest {
    private val classes = listOf(
        ClassSchema(
            name = "Note",
            properties = listOf(
                PropertySchema(name = "_id", propertyType = PropertyType.OBJECT_ID, collection = CollectionKind.SINGLE, index = IndexKind.NONE),
                PropertySchema(name = "text", propertyType = PropertyType.STRING, collection = CollectionKind.SINGLE, index = IndexKind.FULL_TEXT),
                PropertySchema(
                    name = "stars", propertyType = PropertyType.INT, collection = CollectionKind.SINGLE,
                    index = IndexKind.NONE, defaultValue = Value.Int(0),
                ),
            ),
            primaryKey = "_id",
        ),
    )

    @Test
    fun openWithTypedRecordsAndReadThemBack() {
        val dir = Files.createTempDirectory("syncline-schema")
        try {
            Database.openWithClasses(dir.resolve("notes.db").toString(), classes).use { db ->
                assertEquals(classes, db.schema())
                val json = schemaToJson(classes)
                assertEquals(classes, parseSchemaJson(json))
                db.write { txn ->
                    txn.create("Note", mapOf("_id" to Value.ObjectId("5f1b2c3d4e5f601122334455"), "text" to valueOf("hello")))
                    // The transaction sees its own writes.
                    assertEquals(1uL, txn.count("Note", "stars == 0", listOf()))
                    assertEquals(valueOf("hello"), txn.query("Note", "text == \$0", listOf(valueOf("hello"))).single().fields["text"])
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    @Test
    fun invalidTypedSchemaIsRejectedWithClassAndProperty() {
        val bad = listOf(
            ClassSchema(
                name = "Bad",
                properties = listOf(
                    PropertySchema(name = "tags", propertyType = PropertyType.STRING, collection = CollectionKind.LIST, index = IndexKind.FULL_TEXT),
                ),
            ),
        )
        val error = assertFailsWith<SynclineException.Schema> { Database.openWithClasses("/nonexistent/never.db", bad) }
        assertContains(error.message!!, "Bad")
        assertContains(error.message!!, "tags")
    }
}

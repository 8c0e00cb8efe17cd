package dev.syncline

import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse

private const val V0 = """[{"name": "Person", "primaryKey": "_id",
    "properties": {"_id": "int", "name": "string"}}]"""
private const val V1 = """[{"name": "Person", "primaryKey": "_id",
    "properties": {"_id": "int", "fullName": "string?"}}]"""

class MigrationTest {
    private fun v0File(): String {
        val path = Files.createTempDirectory("syncline-migration").resolve("people.db").toString()
        Database.openWithMigration(path, V0, 0uL, null).use { db ->
            db.write { it.create("Person", fieldsOf("_id" to 1, "name" to "ada")) }
        }
        return path
    }

    @Test
    fun aMigrationRenamesAField() {
        val path = v0File()
        var versions: Pair<ULong, ULong>? = null
        val rename = object : MigrationHandler {
            override fun migrate(migration: Migration) {
                versions = migration.oldSchemaVersion() to migration.newSchemaVersion()
                assertContains(migration.oldSchemaJson(), "\"name\"")
                val txn = migration.transaction()
                for (person in migration.oldObjects("Person")) {
                    val name = (person.fields["name"] as Value.String).value
                    txn.set("Person", person.pk, "fullName", valueOf(name.uppercase()))
                }
            }
        }
        Database.openWithMigration(path, V1, 1uL, rename).use { db ->
            assertEquals(0uL to 1uL, versions)
            val person = db.get("Person", PrimaryKey.Int(1))!!
            assertEquals(valueOf("ADA"), person.fields["fullName"])
            assertFalse("name" in person.fields)
        }
    }

    @Test
    fun aBreakingChangeWithoutMigrationIsASchemaError() {
        val path = v0File()
        val error = assertFailsWith<SynclineException.Schema> { Database.openWithMigration(path, V1, 0uL, null) }
        assertContains(error.message ?: "", "Person")
        assertContains(error.message ?: "", "migration")
    }

    @Test
    fun aFailingMigrationRollsBackWithItsMessage() {
        val path = v0File()
        val failing = object : MigrationHandler {
            override fun migrate(migration: Migration) {
                migration.transaction().set("Person", PrimaryKey.Int(1), "fullName", valueOf("x"))
                throw IllegalStateException("cannot migrate person 1")
            }
        }
        val error = assertFailsWith<SynclineException.Callback> { Database.openWithMigration(path, V1, 1uL, failing) }
        assertContains(error.message ?: "", "cannot migrate person 1")
        Database.open(path, V0).use { db ->
            assertEquals(valueOf("ada"), db.get("Person", PrimaryKey.Int(1))!!.fields["name"])
        }
    }
}

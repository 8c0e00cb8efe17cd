package dev.syncline

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val TASK_SCHEMA = """[
  {"name": "Task", "primaryKey": "_id", "properties": {
     "_id": "int", "title": "string", "done": {"type": "bool", "default": false},
     "tags": "string[]"}}
]"""

class DatabaseTest {
    private val dir: Path = Files.createTempDirectory("syncline-kotlin")
    private fun dbPath() = dir.resolve("test.db").toString()

    @AfterTest
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun versionComesFromTheNativeLibrary() {
        assertEquals("0.1.0", version())
    }

    @Test
    fun createGetUpdateDeleteInWriteLambdas() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val pk = db.write { txn -> txn.create("Task", fieldsOf("_id" to 1, "title" to "Write docs")) }
            assertEquals(PrimaryKey.Int(1), pk)

            val task = db.get("Task", pk)!!
            assertEquals(Value.String("Write docs"), task.fields["title"])
            assertEquals(Value.Bool(false), task.fields["done"], "defaults fill missing properties")

            db.write { txn -> txn.update("Task", pk, fieldsOf("done" to true)) }
            assertEquals(Value.Bool(true), db.get("Task", pk)!!.fields["done"])

            assertTrue(db.write { txn -> txn.delete("Task", pk) })
            assertNull(db.get("Task", pk))
        }
    }

    @Test
    fun aThrowingLambdaRollsBackAndRethrowsItsException() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val thrown = assertFailsWith<IllegalStateException> {
                db.write { txn ->
                    txn.create("Task", fieldsOf("_id" to 7, "title" to "never stored"))
                    throw IllegalStateException("changed my mind")
                }
            }
            assertEquals("changed my mind", thrown.message)
            assertNull(db.get("Task", PrimaryKey.Int(7)))
        }
    }

    @Test
    fun errorsBecomeExceptionsWithTheCoresMessage() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            db.write { txn -> txn.create("Task", fieldsOf("_id" to 1, "title" to "a")) }
            val duplicate = assertFailsWith<SynclineException.Conflict> {
                db.write { txn -> txn.create("Task", fieldsOf("_id" to 1, "title" to "b")) }
            }
            assertContains(duplicate.message!!, "already exists")

            val wrongType = assertFailsWith<SynclineException.InvalidArgument> {
                db.write { txn -> txn.create("Task", fieldsOf("_id" to 2, "title" to 42)) }
            }
            assertContains(wrongType.message!!, "Task.title")

            val unknown = assertFailsWith<SynclineException.InvalidArgument> { db.get("Nope", PrimaryKey.Int(1)) }
            assertContains(unknown.message!!, "Nope")

            val badOid = assertFailsWith<SynclineException.InvalidArgument> {
                db.get("Task", PrimaryKey.ObjectId("not-hex"))
            }
            assertContains(badOid.message!!, "not-hex")
        }
        val badSchema = assertFailsWith<SynclineException.Schema> {
            Database.open(dbPath(), """[{"name": "X", "properties": {"a": "no-such-type"}}]""")
        }
        assertContains(badSchema.message!!, "no-such-type")
    }

    @Test
    fun useAfterCloseFailsWithClosed() {
        val db = Database.open(dbPath(), TASK_SCHEMA)
        db.closeDatabase()
        assertTrue(db.isClosed())
        val error = assertFailsWith<SynclineException.Closed> { db.get("Task", PrimaryKey.Int(1)) }
        assertContains(error.message!!, "closed")
        db.closeDatabase() // closing twice is harmless
        db.close() // releasing the handle too
        assertFailsWith<IllegalStateException> { db.isClosed() }
    }

    @Test
    fun releasingTheLastHandleFreesTheNativeDatabase() {
        val db = Database.openTemporary(TASK_SCHEMA)
        val file = java.io.File(db.path())
        assertTrue(file.exists())
        db.close() // the native object goes, and a temporary database's file with it
        assertFalse(file.exists())
    }

    @Test
    fun explicitTransactionsCommitOrCancel() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val txn = db.beginWrite()
            txn.create("Task", fieldsOf("_id" to 1, "title" to "kept"))
            txn.commit()
            assertFalse(txn.isOpen())
            assertFailsWith<SynclineException.Closed> { txn.commit() }

            val cancelled = db.beginWrite()
            cancelled.create("Task", fieldsOf("_id" to 2, "title" to "dropped"))
            cancelled.cancel()
            assertEquals(listOf(PrimaryKey.Int(1)), db.objects("Task").map { it.pk })

            // A block that commits by itself keeps its commit.
            db.write { txn ->
                txn.create("Task", fieldsOf("_id" to 3, "title" to "early"))
                txn.commit()
            }
            assertEquals(valueOf("early"), db.get("Task", PrimaryKey.Int(3))!!.fields["title"])
        }
    }

    @Test
    fun batchCreateAndFetch() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val pks = db.write { txn ->
                txn.createMany("Task", (1..100).map { fieldsOf("_id" to it, "title" to "task $it") })
            }
            assertEquals(100, pks.size)
            val fetched = db.getMany("Task", listOf(PrimaryKey.Int(5), PrimaryKey.Int(500)))
            assertEquals(Value.String("task 5"), fetched[0]!!.fields["title"])
            assertNull(fetched[1])
        }
    }

    @Test
    fun threadsShareOneDatabase() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val pool = Executors.newFixedThreadPool(4)
            val jobs = (0 until 4).map { worker ->
                pool.submit {
                    for (i in 0 until 25) {
                        val id = worker * 100 + i
                        db.write { txn -> txn.create("Task", fieldsOf("_id" to id, "title" to "t$id")) }
                        assertEquals(Value.String("t$id"), db.get("Task", PrimaryKey.Int(id.toLong()))!!.fields["title"])
                    }
                }
            }
            jobs.forEach { it.get(60, TimeUnit.SECONDS) }
            pool.shutdown()
            assertEquals(100, db.objects("Task").size)
        }
    }

    @Test
    fun schemaInspection() {
        Database.open(dbPath(), TASK_SCHEMA).use { db ->
            val task = db.schema().single()
            assertEquals("Task", task.name)
            assertEquals("_id", task.primaryKey)
            val tags = task.properties.single { it.name == "tags" }
            assertEquals(PropertyType.STRING, tags.propertyType)
            assertEquals(CollectionKind.LIST, tags.collection)
            assertContains(db.schemaJson(), "\"Task\"")
        }
    }
}

package dev.syncline

import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs

class QueryObserveTest {
    private fun seeded(): Database {
        val db = Database.openTemporary(TASK_SCHEMA)
        db.write { txn ->
            txn.create("Task", fieldsOf("_id" to 1, "title" to "write docs"))
            txn.create("Task", fieldsOf("_id" to 2, "title" to "ship", "done" to true))
            txn.create("Task", fieldsOf("_id" to 3, "title" to "write tests"))
        }
        return db
    }

    /** Collects events; listeners run on the committing thread. */
    class Recorder : ChangeListener {
        val events = CopyOnWriteArrayList<ChangeEvent>()
        override fun onChange(event: ChangeEvent) {
            events.add(event)
        }
    }

    @Test
    fun queryWithArgumentsSortAndLimit() {
        seeded().use { db ->
            val titles = db.query(
                "Task", "title BEGINSWITH \$0", listOf(valueOf("write")),
                listOf(SortDescriptor("_id", ascending = false)), null,
            ).map { it.fields["title"] }
            assertEquals(listOf(valueOf("write tests"), valueOf("write docs")), titles)
            assertEquals(1, db.query("Task", "TRUEPREDICATE", limit = 1uL).size)
            assertEquals(2uL, db.count("Task", "done == \$0", listOf(valueOf(false))))

            val syntax = assertFailsWith<SynclineException.Query> { db.count("Task", "done ==") }
            assertContains(syntax.message!!, "at ")
            assertFailsWith<SynclineException.Query> { db.count("Task", "nope == 1") }
            assertFailsWith<SynclineException.InvalidArgument> {
                db.query("Task", "TRUEPREDICATE", sort = listOf(SortDescriptor("a) LIMIT(1", true)))
            }
        }
    }

    @Test
    fun queryListenerReceivesChangeSets() {
        seeded().use { db ->
            val recorder = Recorder()
            val handle = db.observeQuery("Task", "done == false", listOf(), recorder)
            assertEquals(
                ChangeEvent.ResultsInitial(listOf(PrimaryKey.Int(1), PrimaryKey.Int(3))),
                recorder.events.single(),
            )

            db.write { txn -> txn.update("Task", PrimaryKey.Int(1), fieldsOf("done" to true)) }
            val left = assertIs<ChangeEvent.ResultsChanged>(recorder.events[1])
            assertEquals(listOf(PrimaryKey.Int(3)), left.keys)
            assertEquals(ChangeSet(listOf(0uL), listOf(), listOf()), left.changes)

            db.write { txn -> txn.update("Task", PrimaryKey.Int(3), fieldsOf("title" to "more tests")) }
            val modified = assertIs<ChangeEvent.ResultsChanged>(recorder.events[2])
            assertEquals(listOf(0uL), modified.changes.modifications)

            handle.cancel()
            assertFalse(handle.isActive())
            db.write { txn -> txn.create("Task", fieldsOf("_id" to 4, "title" to "unseen")) }
            assertEquals(3, recorder.events.size)
        }
    }

    @Test
    fun objectListenerSeesPropertiesThenDeletion() {
        seeded().use { db ->
            val recorder = Recorder()
            db.observeObject("Task", PrimaryKey.Int(2), recorder).use {
                assertIs<ChangeEvent.ObjectInitial>(recorder.events[0])
                db.write { txn -> txn.update("Task", PrimaryKey.Int(2), fieldsOf("title" to "shipped")) }
                val changed = assertIs<ChangeEvent.ObjectChanged>(recorder.events[1])
                assertEquals(listOf("title"), changed.properties)
                assertEquals(valueOf("shipped"), changed.`object`.fields["title"])
                db.write { txn -> txn.delete("Task", PrimaryKey.Int(2)) }
                assertEquals(ChangeEvent.ObjectDeleted, recorder.events[2])
            }
        }
    }

    @Test
    fun closingTheHandleStopsNotifications() {
        seeded().use { db ->
            val recorder = Recorder()
            db.observeQuery("Task", "TRUEPREDICATE", listOf(), recorder).close()
            db.write { txn -> txn.create("Task", fieldsOf("_id" to 9, "title" to "unseen")) }
            assertEquals(1, recorder.events.size)
        }
    }
}

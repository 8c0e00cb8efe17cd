// The task tracker in Kotlin: open a database, write tasks, query them, observe changes.
// Run: bindings/kotlin/run-tests.sh builds and runs it (`java -cp … TaskTrackerKt [PATH]`).
import dev.syncline.ChangeEvent
import dev.syncline.ChangeListener
import dev.syncline.Database
import dev.syncline.PrimaryKey
import dev.syncline.SortDescriptor
import dev.syncline.Value
import dev.syncline.fieldsOf
import dev.syncline.valueOf
import dev.syncline.write
import java.nio.file.Files
import kotlin.system.exitProcess

const val SCHEMA = """[
  {"name": "Task", "primaryKey": "_id", "properties": {
    "_id": "int",
    "name": "string",
    "status": {"type": "string", "indexed": true},
    "priority": {"type": "int", "default": 0}}}
]"""

/** Prints how the list of open tasks changes. */
class OpenTasks : ChangeListener {
    @Volatile var updates = 0

    override fun onChange(event: ChangeEvent) {
        when (event) {
            is ChangeEvent.ResultsInitial -> println("observer: ${event.keys.size} open tasks")
            is ChangeEvent.ResultsChanged -> {
                updates++
                val c = event.changes
                println("observer: now ${event.keys.size} open (-${c.deletions.size} +${c.insertions.size} ~${c.modifications.size})")
            }
            else -> {}
        }
    }
}

fun main(args: Array<String>) {
    val path = args.firstOrNull() ?: Files.createTempDirectory("tasks").resolve("tasks.db").toString()
    val listener = OpenTasks()
    Database.open(path, SCHEMA).use { db ->
        println("opened $path")
        db.observeQuery("Task", "status != 'Done'", listOf(), listener).use {
            db.write { txn ->
                // Upserts keep the example idempotent when run twice on one file.
                txn.upsert("Task", fieldsOf("_id" to 1, "name" to "Write the schema", "status" to "Done", "priority" to 3))
                txn.upsert("Task", fieldsOf("_id" to 2, "name" to "Bind it to Kotlin", "status" to "InProgress", "priority" to 5))
                txn.upsert("Task", fieldsOf("_id" to 3, "name" to "Ship the release", "status" to "Open", "priority" to 1))
            }
            val open = db.query("Task", "status != \$0", listOf(valueOf("Done")), listOf(SortDescriptor("priority", false)), null)
            for (task in open) {
                val name = (task.fields["name"] as Value.String).value
                val priority = (task.fields["priority"] as Value.Int).value
                println("  $name (priority $priority)")
            }
            db.write { txn -> txn.update("Task", PrimaryKey.Int(2), fieldsOf("status" to "Done")) }
            println("${db.count("Task", "status == 'Done'")} of ${db.count("Task", "TRUEPREDICATE")} tasks done")
        }
    }
    if (listener.updates < 1) {
        System.err.println("the observer saw no change")
        exitProcess(1)
    }
}

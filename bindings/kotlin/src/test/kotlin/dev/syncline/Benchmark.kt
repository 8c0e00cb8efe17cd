package dev.syncline

/**
 * The Kotlin benchmark (printed, not asserted): 100,000 inserts in one transaction and 10,000
 * get-by-primary-key calls through the bindings, one call per object and through the batch
 * entry points, next to the same work done in Rust (SYNCLINE_RUST_INSERT_MS /
 * SYNCLINE_RUST_GET_MS, measured by uniffi/examples/native_bench.rs in the same run).
 * Run by run-tests.sh, not by surefire.
 */
object Benchmark {
    private const val SCHEMA = """[{"name": "Item", "primaryKey": "_id", "properties": {
        "_id": "int", "name": "string", "score": "double"}}]"""
    private const val INSERTS = 100_000
    private const val GETS = 10_000

    private fun item(i: Int) = mapOf(
        "_id" to Value.Int(i.toLong()),
        "name" to Value.String("item $i"),
        "score" to Value.Double(i * 0.5),
    )

    private fun timed(block: () -> Unit): Double {
        val start = System.nanoTime()
        block()
        return (System.nanoTime() - start) / 1e6
    }

    private fun row(what: String, ms: Double, rustEnv: String) {
        val rust = System.getenv(rustEnv)?.toDoubleOrNull()
        if (rust != null) {
            println(String.format("  %-34s %9.1f ms   rust %9.1f ms   ratio %5.2fx", what, ms, rust, ms / rust))
        } else {
            println(String.format("  %-34s %9.1f ms", what, ms))
        }
    }

    @JvmStatic
    fun main(args: Array<String>) {
        println("Kotlin benchmark ($INSERTS inserts in one transaction, $GETS gets by primary key):")
        // A short warm-up so that the JIT and JNA's first-call setup are not measured.
        Database.openTemporary(SCHEMA).use { db ->
            db.write { txn -> (0 until 2_000).forEach { txn.create("Item", item(it)) } }
            (0 until 2_000).forEach { db.get("Item", PrimaryKey.Int(it.toLong())) }
        }

        Database.openTemporary(SCHEMA).use { db ->
            val insert = timed { db.write { txn -> for (i in 0 until INSERTS) txn.create("Item", item(i)) } }
            row("insert, one call each", insert, "SYNCLINE_RUST_INSERT_MS")
            val keys = (0 until GETS).map { PrimaryKey.Int(((it * 7) % INSERTS).toLong()) }
            val get = timed { for (key in keys) checkNotNull(db.get("Item", key)) }
            row("get by primary key, one call each", get, "SYNCLINE_RUST_GET_MS")
            val getMany = timed { check(db.getMany("Item", keys).all { it != null }) }
            row("get, one getMany call", getMany, "SYNCLINE_RUST_GET_MS")
        }
        Database.openTemporary(SCHEMA).use { db ->
            val items = (0 until INSERTS).map(::item)
            val insertMany = timed { db.write { txn -> check(txn.createMany("Item", items).size == INSERTS) } }
            row("insert, one createMany call", insertMany, "SYNCLINE_RUST_INSERT_MS")
        }
    }
}

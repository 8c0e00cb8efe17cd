// Kotlin conveniences over uniffi's generated API: a lambda write transaction and Value
// builders. They only adapt calling conventions; every rule lives in the Rust core.
package dev.syncline

/**
 * Runs [body] in a write transaction: committed when it returns, rolled back entirely when it
 * throws, and the exception [body] threw is rethrown unchanged.
 */
fun <T> Database.write(body: (WriteTransaction) -> T): T {
    var result: Result<T>? = null
    try {
        write(object : WriteBlock {
            override fun run(transaction: WriteTransaction) {
                result = runCatching { body(transaction) }
                result?.exceptionOrNull()?.let { throw CallbackException.Failed(it.toString()) }
            }
        })
    } catch (e: SynclineException.Callback) {
        // The block failed: rethrow what it threw, not its summary.
        result?.exceptionOrNull()?.let { throw it }
        throw e
    }
    return result!!.getOrThrow()
}

/** A [Value] from a Kotlin value: null, Boolean, Int, Long, Float, Double, String,
 * ByteArray, List (a list), Set (a set), Map<String, *> (a dictionary) or a [Value]. */
fun valueOf(value: Any?): Value = when (value) {
    null -> Value.Null
    is Value -> value
    is Boolean -> Value.Bool(value)
    is Int -> Value.Int(value.toLong())
    is Long -> Value.Int(value)
    is Float -> Value.Float(value)
    is Double -> Value.Double(value)
    is String -> Value.String(value)
    is ByteArray -> Value.Binary(value)
    is List<*> -> Value.ListOf(value.map(::valueOf))
    is Set<*> -> Value.SetOf(value.map(::valueOf))
    is Map<*, *> -> Value.Dictionary(value.entries.associate { (k, v) -> k.toString() to valueOf(v) })
    else -> throw IllegalArgumentException("no Syncline value for ${value::class.qualifiedName}")
}

/** Object fields from pairs of property name and Kotlin value (see [valueOf]). */
fun fieldsOf(vararg fields: Pair<String, Any?>): Map<String, Value> =
    fields.associate { (name, value) -> name to valueOf(value) }

package dev.syncline.models

import dev.syncline.Database
import dev.syncline.Link
import dev.syncline.PrimaryKey
import dev.syncline.Timestamp
import dev.syncline.Value
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

// Models generated from core/tests/fixtures/codegen_schema.json (every property type) by
// run-tests.sh, used with the bindings.
class ModelsTest {
    private fun sample() = Todo(
        _id = "5f1b2c3d4e5f60718293a4b5",
        name = "write",
        done = false,
        progress = 0.5f,
        created = Timestamp(5, 7),
        ref = "00112233-4455-6677-8899-aabbccddeeff",
        counter = 3,
        priority = 2,
        tags = listOf("a", "b"),
        maybe_tags = listOf("x", null),
        numbers = setOf(1L, 2L),
        labels = mapOf("k" to "v"),
        weights = mapOf("w" to null, "z" to 1.5),
        owner = Link("Member", PrimaryKey.String("m1")),
        watchers = listOf(Link("Member", PrimaryKey.String("m1"))),
        place = Address(street = "Main", geo = Point()),
        stops = listOf(Address("A"), Address("B", 4)),
        extra = Value.String("hi"),
        mixes = listOf(Value.Int(1), Value.Null),
        `default` = "d",
        `in` = 5,
        two_words = true,
    )

    @Test
    fun modelsRoundTripThroughTheDatabase() {
        Database.openTemporary(SynclineSchema.JSON).use { db ->
            val todo = sample()
            val tx = db.beginWrite()
            tx.create(Member.CLASS_NAME, Member("m1").toFields())
            val pk = tx.create(Todo.CLASS_NAME, todo.toFields())
            tx.commit()
            val stored = db.get(Todo.CLASS_NAME, pk) ?: error("the object was not stored")
            assertEquals(todo, Todo.fromFields(stored.fields))
        }
    }

    @Test
    fun missingAndMistypedFieldsAreNamed() {
        val missing = assertFailsWith<IllegalArgumentException> { Todo.fromFields(emptyMap()) }
        assertTrue(missing.message!!.contains("Todo._id is missing"), missing.message)
        val fields = sample().toFields() + ("done" to Value.String("yes"))
        val mistyped = assertFailsWith<IllegalArgumentException> { Todo.fromFields(fields) }
        assertTrue(mistyped.message!!.contains("Todo.done: expected bool"), mistyped.message)
    }
}

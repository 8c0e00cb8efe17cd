package dev.syncline

import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

private const val PEOPLE = """[{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]"}}]"""
private const val ADDED = """[{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "int?", "tags": "string[]", "email": "string?"}}]"""
private const val RETYPED = """[{"name": "Person", "primaryKey": "_id", "properties": {
    "_id": "objectId", "name": "string", "age": "string?", "tags": "string[]"}}]"""

class SchemaInteropTest {
    @Test
    fun jsonSchemaRoundTrip() {
        val mapping = schemaToJsonSchema(PEOPLE)
        assertContains(mapping.json, "\"title\":\"Person\"")
        assertContains(mapping.json, "\"bsonType\":\"array\"")
        val back = schemaFromJsonSchema(mapping.json)
        assertEquals(emptyList(), schemaDiff(PEOPLE, back.json))
    }

    @Test
    fun diffClassifiesEachChange() {
        val added = schemaDiff(PEOPLE, ADDED).single()
        assertEquals(SchemaChange(SchemaChangeKind.ADDITIVE, "Person", "email", added.description), added)
        val retyped = schemaDiff(PEOPLE, RETYPED).single()
        assertEquals(SchemaChangeKind.BREAKING, retyped.kind)
        assertEquals("age", retyped.property)
    }

    @Test
    fun developmentModeAcceptsAdditiveChangesOnly() {
        assertEquals(1, schemaDevelopmentModeDecision(PEOPLE, ADDED, true).size)
        val refused = assertFailsWith<SynclineException.Schema> { schemaDevelopmentModeDecision(PEOPLE, RETYPED, true) }
        assertContains(refused.message ?: "", "age")
        assertFailsWith<SynclineException.Schema> { schemaDevelopmentModeDecision(PEOPLE, ADDED, false) }
    }

    @Test
    fun syncRules() {
        assertEquals(emptyList(), schemaSyncRuleErrors(PEOPLE, listOf("name", "tags")))
        val errors = schemaSyncRuleErrors(PEOPLE, (0..10).map { "f$it" })
        assertTrue(errors.any { "10" in it }, errors.toString())
    }

    @Test
    fun inferenceFromExtendedJsonLines() {
        val lines = """
            {"_id": {"${'$'}oid": "65a1b2c3d4e5f60718293a4b"}, "n": 1}
            {"_id": {"${'$'}oid": "65a1b2c3d4e5f60718293a4c"}, "n": "one"}
        """.trimIndent()
        val inference = schemaInfer("Sample", lines)
        assertEquals(2uL, inference.documents)
        assertContains(inference.schemaJson, "\"primaryKey\":\"_id\"")
        assertContains(inference.schemaJson, "mixed")
        assertTrue(inference.report.isNotEmpty())
        val bad = assertFailsWith<SynclineException.Schema> { schemaInfer("Sample", "{\"_id\": 1}\nnot json") }
        assertContains(bad.message ?: "", "line 2")
    }

    @Test
    fun modelCodeGeneration() {
        assertContains(schemaGenerateModels(PEOPLE, "kotlin"), "Person")
        val error = assertFailsWith<SynclineException.Schema> { schemaGenerateModels(PEOPLE, "cobol") }
        assertContains(error.message ?: "", "cobol")
    }
}

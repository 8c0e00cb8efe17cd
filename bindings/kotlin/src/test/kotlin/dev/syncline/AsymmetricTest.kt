package dev.syncline

import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

const val INGEST_SCHEMA = """[
  {"name": "Reading", "primaryKey": "_id", "asymmetric": true,
   "properties": {"_id": "int", "sensor": "string", "celsius": "double"}}
]"""

/** Asymmetric (insert-only) classes: a create returns its key; reading them is an error. */
class AsymmetricTest {
    private val dir: Path = Files.createTempDirectory("syncline-kotlin-asym")

    @AfterTest
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun asymmetricObjectsAreCreatedButNeverRead() {
        Database.open(dir.resolve("ingest.db").toString(), INGEST_SCHEMA).use { db ->
            val pk = db.write { txn ->
                txn.create("Reading", fieldsOf("_id" to 1L, "sensor" to "s1", "celsius" to 21.5))
            }
            assertEquals(PrimaryKey.Int(1), pk)
            val queried = assertFailsWith<SynclineException.Asymmetric> {
                db.query("Reading", "celsius > 20")
            }
            assertContains(queried.message!!, "class 'Reading' is asymmetric")
            val read = assertFailsWith<SynclineException.Asymmetric> { db.get("Reading", PrimaryKey.Int(1)) }
            assertContains(read.message!!, "cannot be read")
            val wrongType = assertFailsWith<SynclineException.InvalidArgument> {
                db.write { txn -> txn.create("Reading", fieldsOf("_id" to 2L, "sensor" to "s1", "celsius" to "hot")) }
            }
            assertContains(wrongType.message!!, "Reading.celsius")
        }
    }
}

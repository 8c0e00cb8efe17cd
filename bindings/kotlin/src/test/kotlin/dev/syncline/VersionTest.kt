package dev.syncline

import kotlin.test.Test
import kotlin.test.assertEquals

class VersionTest {
    @Test
    fun versionComesFromTheNativeLibrary() {
        assertEquals("0.1.0", version())
    }
}

/* The C benchmark (printed, not asserted): 100,000 inserts in one transaction and 10,000
 * get-by-primary-key calls through the C API, one call per object and through the batch entry
 * points, next to the same work done in Rust (SYNCLINE_RUST_INSERT_MS / SYNCLINE_RUST_GET_MS,
 * measured by uniffi/examples/native_bench.rs in the same run). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syncline.h"

#define INSERTS 100000
#define GETS 10000

static const char *SCHEMA =
    "[{\"name\": \"Item\", \"primaryKey\": \"_id\", \"properties\": {"
    "\"_id\": \"int\", \"name\": \"string\", \"score\": \"double\"}}]";

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static void check(int status, const char *what) {
    if (status != SYNCLINE_OK) {
        fprintf(stderr, "%s failed: %s\n", what, syncline_last_error_message());
        exit(1);
    }
}

static void row(const char *what, double ms, const char *rust_env) {
    const char *rust = getenv(rust_env);
    if (rust != NULL) {
        double rust_ms = atof(rust);
        printf("  %-34s %9.1f ms   rust %9.1f ms   ratio %5.2fx\n", what, ms, rust_ms, ms / rust_ms);
    } else {
        printf("  %-34s %9.1f ms\n", what, ms);
    }
}

static SynclineDatabase *open_db(void) {
    SynclineDatabase *db = NULL;
    check(syncline_database_open_temporary(SCHEMA, &db), "open");
    return db;
}

int main(void) {
    char json[128];
    printf("C benchmark (%d inserts in one transaction, %d gets by primary key):\n", INSERTS, GETS);

    /* One call per insert. */
    SynclineDatabase *db = open_db();
    double start = now_ms();
    SynclineTransaction *txn = NULL;
    check(syncline_database_begin_write(db, &txn), "begin");
    for (int i = 0; i < INSERTS; i++) {
        snprintf(json, sizeof json, "{\"_id\": %d, \"name\": \"item %d\", \"score\": %.1f}", i, i, i * 0.5);
        check(syncline_transaction_create(txn, "Item", json, NULL), "create");
    }
    check(syncline_transaction_commit(txn), "commit");
    check(syncline_transaction_free(txn), "free");
    row("insert, one call each", now_ms() - start, "SYNCLINE_RUST_INSERT_MS");

    /* One call per get. */
    start = now_ms();
    for (int i = 0; i < GETS; i++) {
        char *object = NULL;
        snprintf(json, sizeof json, "%d", (i * 7) % INSERTS);
        check(syncline_database_get(db, "Item", json, &object), "get");
        if (object == NULL) {
            fprintf(stderr, "object %s missing\n", json);
            return 1;
        }
        syncline_string_free(object);
    }
    row("get by primary key, one call each", now_ms() - start, "SYNCLINE_RUST_GET_MS");

    /* The batch entry points: one array of objects in, one array of keys out. */
    size_t size = (size_t)GETS * 8 + 2, used = 0;
    char *keys = malloc(size);
    keys[used++] = '[';
    for (int i = 0; i < GETS; i++)
        used += (size_t)snprintf(keys + used, size - used, i ? ",%d" : "%d", (i * 7) % INSERTS);
    keys[used++] = ']';
    keys[used] = 0;
    start = now_ms();
    char *objects = NULL;
    check(syncline_database_get_many(db, "Item", keys, &objects), "get_many");
    row("get, one get_many call", now_ms() - start, "SYNCLINE_RUST_GET_MS");
    syncline_string_free(objects);
    free(keys);
    check(syncline_database_free(db), "free");

    db = open_db();
    size = (size_t)INSERTS * 64 + 2;
    char *all = malloc(size);
    used = 0;
    all[used++] = '[';
    for (int i = 0; i < INSERTS; i++)
        used += (size_t)snprintf(all + used, size - used, "%s{\"_id\": %d, \"name\": \"item %d\", \"score\": %.1f}",
                                 i ? "," : "", i, i, i * 0.5);
    all[used++] = ']';
    all[used] = 0;
    start = now_ms();
    check(syncline_database_begin_write(db, &txn), "begin");
    size_t created = 0;
    check(syncline_transaction_create_many(txn, "Item", all, &created), "create_many");
    check(syncline_transaction_commit(txn), "commit");
    check(syncline_transaction_free(txn), "free");
    row("insert, one create_many call", now_ms() - start, "SYNCLINE_RUST_INSERT_MS");
    free(all);
    check(syncline_database_free(db), "free");
    return created == INSERTS ? 0 : 1;
}

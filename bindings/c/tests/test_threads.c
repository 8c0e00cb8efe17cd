/* Threads share one database handle: each writes and reads its own objects. */
#include <pthread.h>

#include "check.h"

#define THREADS 4
#define PER_THREAD 25

static SynclineDatabase *db;

static void *worker(void *arg) {
    int base = *(int *)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char object[128], pk[32];
        snprintf(object, sizeof object, "{\"_id\": %d, \"title\": \"t%d\"}", base + i, base + i);
        snprintf(pk, sizeof pk, "%d", base + i);
        SynclineTransaction *txn = NULL;
        OK(syncline_database_begin_write(db, &txn));
        OK(syncline_transaction_create(txn, "Task", object, NULL));
        OK(syncline_transaction_commit(txn));
        OK(syncline_transaction_free(txn));
        char *json = NULL;
        OK(syncline_database_get(db, "Task", pk, &json));
        CHECK(json != NULL);
        OK(syncline_string_free(json));
    }
    /* A failure on this thread leaves its message here, not on the others. */
    CHECK(syncline_database_get(db, "Nope", "1", &(char *){NULL}) == SYNCLINE_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(syncline_last_error_message(), "Nope") != NULL);
    return NULL;
}

int main(void) {
    OK(syncline_database_open_temporary(TASK_SCHEMA, &db));
    pthread_t threads[THREADS];
    int bases[THREADS];
    for (int t = 0; t < THREADS; t++) {
        bases[t] = t * 1000;
        CHECK(pthread_create(&threads[t], NULL, worker, &bases[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);
    CHECK(syncline_last_error_message() == NULL);

    char *json = NULL;
    OK(syncline_database_objects(db, "Task", &json));
    int count = 0;
    for (const char *p = json; (p = strstr(p, "\"title\"")) != NULL; p++) count++;
    CHECK(count == THREADS * PER_THREAD);
    OK(syncline_string_free(json));
    OK(syncline_database_free(db));
    return 0;
}

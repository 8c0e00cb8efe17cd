/* Objects are created, read, updated and deleted through the C API; transactions commit,
 * cancel and roll back. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "check.h"

static int create_two(SynclineTransaction *txn, void *user_data) {
    int *calls = user_data;
    *calls += 1;
    if (syncline_transaction_create(txn, "Task", "{\"_id\": 1, \"title\": \"Write docs\"}", NULL) != SYNCLINE_OK)
        return 1;
    return syncline_transaction_create(txn, "Task", "{\"_id\": 2, \"title\": \"Ship\", \"tags\": [\"v1\"]}", NULL);
}

static int commit_itself(SynclineTransaction *txn, void *user_data) {
    (void)user_data;
    if (syncline_transaction_create(txn, "Task", "{\"_id\": 20, \"title\": \"committed early\"}", NULL) != SYNCLINE_OK)
        return 1;
    return syncline_transaction_commit(txn);
}

static int create_then_fail(SynclineTransaction *txn, void *user_data) {
    (void)user_data;
    syncline_transaction_create(txn, "Task", "{\"_id\": 3, \"title\": \"never stored\"}", NULL);
    return 42;
}

int main(void) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_temporary(TASK_SCHEMA, &db));

    int calls = 0;
    OK(syncline_database_write(db, create_two, &calls));
    CHECK(calls == 1);

    char *json = NULL;
    OK(syncline_database_get(db, "Task", "1", &json));
    CHECK(json != NULL);
    CHECK(strstr(json, "\"title\":\"Write docs\"") != NULL);
    CHECK(strstr(json, "\"done\":false") != NULL); /* the default filled it */
    OK(syncline_string_free(json));

    /* A callback that commits by itself keeps its commit. */
    OK(syncline_database_write(db, commit_itself, NULL));
    OK(syncline_database_get(db, "Task", "20", &json));
    CHECK(json != NULL);
    OK(syncline_string_free(json));

    /* A failing callback rolls back and reports its status. */
    FAILS(syncline_database_write(db, create_then_fail, NULL), SYNCLINE_ERROR_CALLBACK, "returned 42");
    OK(syncline_database_get(db, "Task", "3", &json));
    CHECK(json == NULL);

    /* Explicit transactions: update, delete, commit. */
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_update(txn, "Task", "{\"$numberLong\": \"1\"}", "{\"done\": true}"));
    bool deleted = false;
    OK(syncline_transaction_delete(txn, "Task", "2", &deleted));
    CHECK(deleted);
    OK(syncline_transaction_delete(txn, "Task", "2", &deleted));
    CHECK(!deleted);
    char *pk = NULL;
    OK(syncline_transaction_upsert(txn, "Task", "{\"_id\": 5, \"title\": \"up\"}", &pk));
    CHECK(strcmp(pk, "{\"$numberLong\":\"5\"}") == 0);
    OK(syncline_string_free(pk));
    OK(syncline_transaction_get(txn, "Task", "5", &json));
    CHECK(json != NULL && strstr(json, "\"up\"") != NULL);
    OK(syncline_string_free(json));
    OK(syncline_transaction_commit(txn));
    FAILS(syncline_transaction_commit(txn), SYNCLINE_ERROR_CLOSED, "closed");
    OK(syncline_transaction_free(txn));

    OK(syncline_database_get(db, "Task", "1", &json));
    CHECK(strstr(json, "\"done\":true") != NULL);
    OK(syncline_string_free(json));

    /* A transaction cancelled, and one freed while open, both roll back. */
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Task", "{\"_id\": 6, \"title\": \"x\"}", NULL));
    OK(syncline_transaction_cancel(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Task", "{\"_id\": 7, \"title\": \"y\"}", NULL));
    OK(syncline_transaction_free(txn));

    /* Batches. */
    OK(syncline_database_begin_write(db, &txn));
    size_t count = 0;
    OK(syncline_transaction_create_many(txn, "Task",
        "[{\"_id\": 10, \"title\": \"a\"}, {\"_id\": 11, \"title\": \"b\"}]", &count));
    CHECK(count == 2);
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_get_many(db, "Task", "[10, 6, 11]", &json));
    CHECK(strstr(json, "\"title\":\"a\"") != NULL);
    CHECK(strstr(json, ",null,") != NULL);
    OK(syncline_string_free(json));

    OK(syncline_database_objects(db, "Task", &json));
    CHECK(strstr(json, "\"_id\":{\"$numberLong\":\"1\"}") != NULL);
    CHECK(strstr(json, "\"$numberLong\":\"6\"") == NULL);
    CHECK(strstr(json, "\"$numberLong\":\"7\"") == NULL);
    OK(syncline_string_free(json));

    /* Schema inspection. */
    OK(syncline_database_schema_json(db, &json));
    CHECK(strstr(json, "\"name\":\"Task\"") != NULL);
    OK(syncline_string_free(json));

    /* Freeing the last handle frees the database: a temporary one's file goes with it. */
    SynclineDatabase *scratch = NULL;
    OK(syncline_database_open_temporary(TASK_SCHEMA, &scratch));
    char *path = NULL;
    OK(syncline_database_path(scratch, &path));
    CHECK(access(path, F_OK) == 0);
    OK(syncline_database_free(scratch));
    CHECK(access(path, F_OK) != 0);
    OK(syncline_string_free(path));

    OK(syncline_database_free(db));
    return 0;
}

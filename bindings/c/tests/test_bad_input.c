/* Bad input gives an error status and a message, never a crash: NULL pointers, invalid UTF-8,
 * malformed JSON, wrong value types, unknown classes, use after close, double frees. */
#include "check.h"

int main(void) {
    SynclineDatabase *db = NULL;
    char *json = NULL;

    /* NULL arguments. */
    FAILS(syncline_database_open(NULL, TASK_SCHEMA, &db), SYNCLINE_ERROR_INVALID_ARGUMENT, "`path` is NULL");
    FAILS(syncline_database_open_temporary(TASK_SCHEMA, NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "`out_db` is NULL");
    FAILS(syncline_database_get(NULL, "Task", "1", &json), SYNCLINE_ERROR_INVALID_HANDLE, "NULL");
    FAILS(syncline_database_write(NULL, NULL, NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "`callback` is NULL");
    CHECK(syncline_string_free(NULL) == SYNCLINE_OK);

    /* Invalid schema and invalid UTF-8. */
    FAILS(syncline_database_open_temporary("[{\"name\": \"X\", \"properties\": {\"a\": \"nope\"}}]", &db),
          SYNCLINE_ERROR_SCHEMA, "nope");
    FAILS(syncline_database_open_temporary("not json", &db), SYNCLINE_ERROR_SCHEMA, "not valid JSON");
    const char bad_utf8[] = {'[', (char)0xff, ']', 0};
    FAILS(syncline_database_open_temporary(bad_utf8, &db), SYNCLINE_ERROR_INVALID_ARGUMENT, "not valid UTF-8");

    OK(syncline_database_open_temporary(TASK_SCHEMA, &db));
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));

    /* Malformed JSON, wrong types, unknown class/property, duplicate key. */
    FAILS(syncline_transaction_create(txn, "Task", "{\"_id\": 1,", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "not valid JSON");
    FAILS(syncline_transaction_create(txn, "Task", "{\"_id\": 1, \"title\": 5}", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "title");
    FAILS(syncline_transaction_create(txn, "Nope", "{}", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "Nope");
    FAILS(syncline_transaction_create(txn, "Task", "{\"_id\": 1, \"colour\": \"red\"}", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "colour");
    FAILS(syncline_transaction_create(txn, "Task", "{\"_id\": 1}", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "title");
    OK(syncline_transaction_create(txn, "Task", "{\"_id\": 1, \"title\": \"a\"}", NULL));
    FAILS(syncline_transaction_create(txn, "Task", "{\"_id\": 1, \"title\": \"b\"}", NULL), SYNCLINE_ERROR_CONFLICT, "already exists");
    FAILS(syncline_transaction_update(txn, "Task", "99", "{\"title\": \"c\"}"), SYNCLINE_ERROR_NOT_FOUND, "99");
    FAILS(syncline_transaction_update(txn, "Task", "99", "{}"), SYNCLINE_ERROR_NOT_FOUND, "99");
    FAILS(syncline_transaction_get(txn, "Task", "\"one\"", &json), SYNCLINE_ERROR_INVALID_ARGUMENT, "int");
    FAILS(syncline_transaction_create_many(txn, "Task", "{}", NULL), SYNCLINE_ERROR_INVALID_ARGUMENT, "array");
    OK(syncline_transaction_commit(txn));

    /* A transaction handle used after free, and freed twice. */
    OK(syncline_transaction_free(txn));
    FAILS(syncline_transaction_commit(txn), SYNCLINE_ERROR_INVALID_HANDLE, "not a live transaction");
    FAILS(syncline_transaction_free(txn), SYNCLINE_ERROR_INVALID_HANDLE, "not a live transaction");

    /* A handle of the wrong kind. */
    FAILS(syncline_transaction_commit((SynclineTransaction *)db), SYNCLINE_ERROR_INVALID_HANDLE, "transaction");

    /* A string freed twice. */
    OK(syncline_database_get(db, "Task", "1", &json));
    OK(syncline_string_free(json));
    FAILS(syncline_string_free(json), SYNCLINE_ERROR_INVALID_HANDLE, "string");

    /* Use after close, then after free, then a double free. */
    OK(syncline_database_close(db));
    FAILS(syncline_database_get(db, "Task", "1", &json), SYNCLINE_ERROR_CLOSED, "closed");
    FAILS(syncline_database_begin_write(db, &txn), SYNCLINE_ERROR_CLOSED, "closed");
    OK(syncline_database_close(db));
    OK(syncline_database_free(db));
    FAILS(syncline_database_get(db, "Task", "1", &json), SYNCLINE_ERROR_INVALID_HANDLE, "not a live database");
    FAILS(syncline_database_free(db), SYNCLINE_ERROR_INVALID_HANDLE, "not a live database");
    return 0;
}

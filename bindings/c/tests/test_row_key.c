/* Objects of a class without a primary key carry their row key ("$rowKey") in C output, and
 * that key addresses them in get, set and delete. */
#include "check.h"

#define SCHEMA "[{\"name\": \"Note\", \"properties\": {\"text\": \"string\"}}," \
               " {\"name\": \"Task\", \"primaryKey\": \"_id\", \"properties\": {\"_id\": \"int\"}}]"

/* Copies the Extended JSON value of "$rowKey" out of an object's JSON (it is an object). */
static void row_key_of(const char *object, char *out, size_t size) {
    const char *start = strstr(object, "\"$rowKey\":");
    CHECK(start != NULL);
    start += strlen("\"$rowKey\":");
    const char *end = strchr(start, '}');
    CHECK(end != NULL && (size_t)(end - start) + 2 <= size);
    memcpy(out, start, (size_t)(end - start) + 1);
    out[end - start + 1] = '\0';
}

int main(void) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_temporary(SCHEMA, &db));
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Note", "{\"text\": \"first\"}", NULL));
    OK(syncline_transaction_create(txn, "Note", "{\"text\": \"second\"}", NULL));
    OK(syncline_transaction_create(txn, "Task", "{\"_id\": 1}", NULL));
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));

    char *json = NULL;
    OK(syncline_database_query(db, "Note", "text == $0", "[\"second\"]", &json));
    char key[64];
    row_key_of(json, key, sizeof key);
    OK(syncline_string_free(json));

    /* A class with a primary key has no "$rowKey". */
    OK(syncline_database_objects(db, "Task", &json));
    CHECK(strstr(json, "$rowKey") == NULL);
    OK(syncline_string_free(json));

    /* The row key addresses the object. */
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_set(txn, "Note", key, "text", "\"edited\""));
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_get(db, "Note", key, &json));
    CHECK(json != NULL && strstr(json, "\"text\":\"edited\"") != NULL);
    OK(syncline_string_free(json));

    OK(syncline_database_begin_write(db, &txn));
    bool deleted = false;
    OK(syncline_transaction_delete(txn, "Note", key, &deleted));
    CHECK(deleted);
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_objects(db, "Note", &json));
    CHECK(strstr(json, "first") != NULL && strstr(json, "edited") == NULL);
    OK(syncline_string_free(json));
    OK(syncline_database_free(db));
    puts("row key: ok");
    return 0;
}

/* Path-based set through the C API: a property, a property of an embedded object, a list
 * element and a dictionary entry, each value read as the type the schema gives its place. */
#include "check.h"

#define SCHEMA                                                                                   \
    "[{\"name\": \"Person\", \"primaryKey\": \"_id\", \"properties\": {"                          \
    "\"_id\": \"int\", \"name\": \"string\", \"born\": \"date?\", "                               \
    "\"visits\": \"date[]\", \"scores\": \"int{}\", "                                             \
    "\"address\": {\"type\": \"object\", \"objectType\": \"Address\", \"optional\": true}}},"     \
    " {\"name\": \"Address\", \"embedded\": true, \"properties\": {\"street\": \"string\", "     \
    "\"number\": \"int\"}}]"

int main(void) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_temporary(SCHEMA, &db));
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(
        txn, "Person",
        "{\"_id\": 1, \"name\": \"Ada\", \"visits\": [{\"$date\": \"2024-01-01T00:00:00Z\"}], "
        "\"scores\": {\"math\": 1}, \"address\": {\"street\": \"Main\", \"number\": 1}}",
        NULL));

    /* A top-level property, read as the date the schema asks for. */
    OK(syncline_transaction_set(txn, "Person", "1", "born", "{\"$date\": \"1815-12-10T00:00:00Z\"}"));
    /* Inside an embedded object, a list element and a dictionary entry. */
    OK(syncline_transaction_set(txn, "Person", "1", "address.number", "42"));
    OK(syncline_transaction_set(txn, "Person", "1", "visits[0]", "{\"$date\": \"2025-06-01T00:00:00Z\"}"));
    OK(syncline_transaction_set(txn, "Person", "1", "scores['math']", "7"));
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));

    char *json = NULL;
    OK(syncline_database_get(db, "Person", "1", &json));
    CHECK(json != NULL);
    CHECK(strstr(json, "\"born\":{\"$date\":\"1815-12-10T00:00:00") != NULL);
    CHECK(strstr(json, "\"number\":{\"$numberLong\":\"42\"}") != NULL);
    CHECK(strstr(json, "\"visits\":[{\"$date\":\"2025-06-01T00:00:00") != NULL);
    CHECK(strstr(json, "\"math\":{\"$numberLong\":\"7\"}") != NULL);
    OK(syncline_string_free(json));

    /* Bad paths and values are errors naming what was wrong. */
    OK(syncline_database_begin_write(db, &txn));
    FAILS(syncline_transaction_set(txn, "Person", "1", "address.floor", "3"),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "floor");
    FAILS(syncline_transaction_set(txn, "Person", "1", "name.first", "\"x\""),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "name");
    FAILS(syncline_transaction_set(txn, "Person", "1", "address.number", "\"many\""),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "number");
    FAILS(syncline_transaction_set(txn, "Person", "1", "visits[", "1"),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "visits[");
    FAILS(syncline_transaction_set(txn, "Person", "2", "name", "\"Bob\""), SYNCLINE_ERROR_NOT_FOUND,
          "Person");
    FAILS(syncline_transaction_set(txn, "Person", "1", NULL, "1"), SYNCLINE_ERROR_INVALID_ARGUMENT,
          "path");
    OK(syncline_transaction_cancel(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_free(db));
    puts("set path: ok");
    return 0;
}

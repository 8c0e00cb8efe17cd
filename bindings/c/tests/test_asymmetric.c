/* Asymmetric (insert-only) classes: a create returns its key; reading them is
 * SYNCLINE_ERROR_ASYMMETRIC, naming the class. */
#include "check.h"

#define INGEST_SCHEMA                                                                 \
    "[{\"name\": \"Reading\", \"primaryKey\": \"_id\", \"asymmetric\": true, "        \
    "\"properties\": {\"_id\": \"int\", \"sensor\": \"string\", \"celsius\": \"double\"}}]"

int main(void) {
    SynclineDatabase *db = NULL;
    SynclineTransaction *txn = NULL;
    char *json = NULL;
    uint64_t count = 0;

    OK(syncline_database_open_temporary(INGEST_SCHEMA, &db));
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Reading", "{\"_id\": 1, \"sensor\": \"s1\", \"celsius\": 21.5}", &json));
    CHECK(strcmp(json, "{\"$numberLong\":\"1\"}") == 0);
    OK(syncline_string_free(json));
    /* Validated like any create. */
    FAILS(syncline_transaction_create(txn, "Reading", "{\"_id\": 2, \"sensor\": \"s1\", \"celsius\": \"hot\"}", NULL),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "Reading.celsius");
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));

    FAILS(syncline_database_query(db, "Reading", "celsius > 20", "[]", &json), SYNCLINE_ERROR_ASYMMETRIC,
          "class 'Reading' is asymmetric");
    FAILS(syncline_database_count(db, "Reading", "TRUEPREDICATE", "[]", &count), SYNCLINE_ERROR_ASYMMETRIC,
          "cannot be queried");
    FAILS(syncline_database_get(db, "Reading", "1", &json), SYNCLINE_ERROR_ASYMMETRIC, "cannot be read");

    OK(syncline_database_free(db));
    return 0;
}

/* Queries and counts through the C API, and change callbacks with their change sets. */
#include "check.h"

#define MAX_EVENTS 16

struct events {
    int count;
    char *json[MAX_EVENTS];
};

static void record(const char *event_json, void *user_data) {
    struct events *events = user_data;
    if (events->count < MAX_EVENTS) events->json[events->count++] = strdup(event_json);
}

static void clear(struct events *events) {
    for (int i = 0; i < events->count; i++) free(events->json[i]);
    events->count = 0;
}

static void write_json(SynclineDatabase *db, const char *op, const char *pk, const char *json) {
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    if (strcmp(op, "create") == 0) OK(syncline_transaction_create(txn, "Task", json, NULL));
    if (strcmp(op, "update") == 0) OK(syncline_transaction_update(txn, "Task", pk, json));
    if (strcmp(op, "delete") == 0) OK(syncline_transaction_delete(txn, "Task", pk, NULL));
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));
}

int main(void) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_temporary(TASK_SCHEMA, &db));
    write_json(db, "create", NULL, "{\"_id\": 1, \"title\": \"write docs\"}");
    write_json(db, "create", NULL, "{\"_id\": 2, \"title\": \"ship\", \"done\": true}");
    write_json(db, "create", NULL, "{\"_id\": 3, \"title\": \"write tests\"}");

    /* Query with arguments, sort and limit; count. */
    char *json = NULL;
    OK(syncline_database_query(db, "Task", "title BEGINSWITH $0 SORT(_id DESC)", "[\"write\"]", &json));
    CHECK(strstr(json, "\"write tests\"") < strstr(json, "\"write docs\""));
    CHECK(strstr(json, "\"ship\"") == NULL);
    OK(syncline_string_free(json));
    OK(syncline_database_query(db, "Task", "TRUEPREDICATE LIMIT(1)", NULL, &json));
    CHECK(strstr(json, "\"write docs\"") != NULL && strstr(json, "\"ship\"") == NULL);
    OK(syncline_string_free(json));
    uint64_t count = 0;
    OK(syncline_database_count(db, "Task", "done == $0", "[false]", &count));
    CHECK(count == 2);
    FAILS(syncline_database_count(db, "Task", "done ==", NULL, &count), SYNCLINE_ERROR_QUERY, "");
    FAILS(syncline_database_count(db, "Task", "nope == 1", NULL, &count), SYNCLINE_ERROR_QUERY, "nope");
    FAILS(syncline_database_count(db, "Task", "done == $0", "[1", &count), SYNCLINE_ERROR_INVALID_ARGUMENT, "args_json");

    /* A query observer: initial results, then change sets. */
    struct events events = {0};
    SynclineObserver *observer = NULL;
    OK(syncline_database_observe_query(db, "Task", "done == false", NULL, record, &events, &observer));
    CHECK(events.count == 1);
    CHECK(strstr(events.json[0], "\"type\":\"results_initial\"") != NULL);
    CHECK(strstr(events.json[0], "\"keys\":[{\"$numberLong\":\"1\"},{\"$numberLong\":\"3\"}]") != NULL);

    write_json(db, "update", "1", "{\"done\": true}"); /* leaves the results */
    CHECK(events.count == 2);
    CHECK(strstr(events.json[1], "\"type\":\"results_changed\"") != NULL);
    CHECK(strstr(events.json[1], "\"deletions\":[0]") != NULL);
    CHECK(strstr(events.json[1], "\"insertions\":[]") != NULL);

    write_json(db, "update", "3", "{\"title\": \"write more tests\"}"); /* modified in place */
    CHECK(events.count == 3);
    CHECK(strstr(events.json[2], "\"modifications\":[0]") != NULL);

    write_json(db, "update", "2", "{\"title\": \"still done\"}"); /* not observed: no event */
    CHECK(events.count == 3);

    OK(syncline_observer_cancel(observer));
    write_json(db, "create", NULL, "{\"_id\": 4, \"title\": \"after cancel\"}");
    CHECK(events.count == 3);
    OK(syncline_observer_free(observer));
    FAILS(syncline_observer_free(observer), SYNCLINE_ERROR_INVALID_HANDLE, "observer");
    clear(&events);

    /* An object observer: changed properties, then deletion. */
    OK(syncline_database_observe_object(db, "Task", "4", record, &events, &observer));
    CHECK(events.count == 1 && strstr(events.json[0], "\"type\":\"object_initial\"") != NULL);
    write_json(db, "update", "4", "{\"done\": true}");
    CHECK(events.count == 2);
    CHECK(strstr(events.json[1], "\"properties\":[\"done\"]") != NULL);
    write_json(db, "delete", "4", NULL);
    CHECK(events.count == 3 && strstr(events.json[2], "\"type\":\"object_deleted\"") != NULL);
    OK(syncline_observer_free(observer));
    clear(&events);

    /* Freeing the observer stops it too. */
    OK(syncline_database_observe_query(db, "Task", "TRUEPREDICATE", NULL, record, &events, &observer));
    OK(syncline_observer_free(observer));
    write_json(db, "create", NULL, "{\"_id\": 5, \"title\": \"unseen\"}");
    CHECK(events.count == 1);
    clear(&events);

    FAILS(syncline_database_observe_object(db, "Task", "99", record, NULL, &observer), SYNCLINE_ERROR_NOT_FOUND, "99");
    FAILS(syncline_database_observe_query(db, "Task", "TRUEPREDICATE", NULL, NULL, NULL, &observer),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "callback");

    OK(syncline_database_free(db));
    return 0;
}

/* The task tracker in C: open a database, write tasks, query them, observe changes.
 *
 * Build: cc task_tracker.c $(pkg-config --cflags --libs syncline) -o task-tracker
 * Run:   ./task-tracker tasks.db
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncline.h"

static const char *SCHEMA =
    "[{\"name\": \"Task\", \"primaryKey\": \"_id\", \"properties\": {"
    "\"_id\": \"int\", \"name\": \"string\","
    "\"status\": {\"type\": \"string\", \"indexed\": true},"
    "\"priority\": {\"type\": \"int\", \"default\": 0}}}]";

/* Prints the call's error and exits when it failed. */
static void check(int status, const char *what) {
    if (status != SYNCLINE_OK) {
        fprintf(stderr, "%s failed (%d): %s\n", what, status, syncline_last_error_message());
        exit(1);
    }
}

static void on_open_tasks(const char *event_json, void *user_data) {
    int *updates = user_data;
    if (strstr(event_json, "\"results_changed\"") != NULL) *updates += 1;
    printf("observer: %s\n", event_json);
}

static int add_tasks(SynclineTransaction *txn, void *user_data) {
    (void)user_data;
    /* Upserts keep the example idempotent when run twice on one file. */
    const char *tasks[] = {
        "{\"_id\": 1, \"name\": \"Write the schema\", \"status\": \"Done\", \"priority\": 3}",
        "{\"_id\": 2, \"name\": \"Bind it to C\", \"status\": \"InProgress\", \"priority\": 5}",
        "{\"_id\": 3, \"name\": \"Ship the release\", \"status\": \"Open\", \"priority\": 1}",
    };
    for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++) {
        int status = syncline_transaction_upsert(txn, "Task", tasks[i], NULL);
        if (status != SYNCLINE_OK) return status; /* nonzero: roll back */
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tasks.db";
    SynclineDatabase *db = NULL;
    check(syncline_database_open(path, SCHEMA, &db), "open");
    printf("opened %s\n", path);

    int updates = 0;
    SynclineObserver *observer = NULL;
    check(syncline_database_observe_query(db, "Task", "status != 'Done'", NULL, on_open_tasks, &updates, &observer),
          "observe");

    check(syncline_database_write(db, add_tasks, NULL), "write");

    char *open_tasks = NULL;
    check(syncline_database_query(db, "Task", "status != $0 SORT(priority DESC)", "[\"Done\"]", &open_tasks), "query");
    printf("open tasks: %s\n", open_tasks);
    syncline_string_free(open_tasks);

    SynclineTransaction *txn = NULL;
    check(syncline_database_begin_write(db, &txn), "begin");
    check(syncline_transaction_update(txn, "Task", "2", "{\"status\": \"Done\"}"), "update");
    check(syncline_transaction_commit(txn), "commit");
    syncline_transaction_free(txn);

    uint64_t done = 0, all = 0;
    check(syncline_database_count(db, "Task", "status == 'Done'", NULL, &done), "count");
    check(syncline_database_count(db, "Task", "TRUEPREDICATE", NULL, &all), "count");
    printf("%llu of %llu tasks done\n", (unsigned long long)done, (unsigned long long)all);

    syncline_observer_free(observer);
    syncline_database_free(db);
    if (updates < 1) {
        fprintf(stderr, "the observer saw no change\n");
        return 1;
    }
    return 0;
}

/* Schema versions and migrations through the C API: a callback renames a field, a breaking
 * change without one is refused, a failing callback leaves the file as it was. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

#define V0 "[{\"name\": \"Person\", \"primaryKey\": \"_id\", " \
           "\"properties\": {\"_id\": \"int\", \"name\": \"string\"}}]"
#define V1 "[{\"name\": \"Person\", \"primaryKey\": \"_id\", " \
           "\"properties\": {\"_id\": \"int\", \"fullName\": \"string?\"}}]"

/* Moves Person 1's `name` into `fullName`, upper-cased. */
static int rename_name(SynclineMigration *migration, SynclineTransaction *txn, void *user_data) {
    uint64_t *old_version = user_data;
    if (syncline_migration_old_schema_version(migration, old_version) != SYNCLINE_OK)
        return 1;
    char *schema = NULL;
    if (syncline_migration_old_schema_json(migration, &schema) != SYNCLINE_OK)
        return 2;
    int had_name = strstr(schema, "\"name\"") != NULL;
    syncline_string_free(schema);
    if (!had_name)
        return 3;
    char *objects = NULL;
    if (syncline_migration_old_objects(migration, "Person", &objects) != SYNCLINE_OK)
        return 4;
    /* The one old object is {"_id": …, "name": "ada"}: take the name's text. */
    const char *key = "\"name\":\"";
    char *start = strstr(objects, key);
    char name[32] = {0};
    if (start != NULL) {
        start += strlen(key);
        for (size_t i = 0; i + 1 < sizeof name && start[i] != '"' && start[i] != '\0'; i++)
            name[i] = (char)toupper((unsigned char)start[i]);
    }
    syncline_string_free(objects);
    if (name[0] == '\0')
        return 5;
    char fields[64];
    snprintf(fields, sizeof fields, "{\"fullName\": \"%s\"}", name);
    return syncline_transaction_update(txn, "Person", "1", fields);
}

static int fail(SynclineMigration *migration, SynclineTransaction *txn, void *user_data) {
    (void)migration;
    (void)user_data;
    syncline_transaction_update(txn, "Person", "1", "{\"fullName\": \"x\"}");
    return 7;
}

static void make_v0(const char *path) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_with_migration(path, V0, 0, NULL, NULL, &db));
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Person", "{\"_id\": 1, \"name\": \"ada\"}", NULL));
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));
    OK(syncline_database_free(db));
}

int main(void) {
    char dir[] = "/tmp/syncline-migration-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/people.db", dir);
    make_v0(path);

    SynclineDatabase *db = NULL;
    /* A breaking change without a migration is refused with the changes named. */
    FAILS(syncline_database_open_with_migration(path, V1, 0, NULL, NULL, &db),
          SYNCLINE_ERROR_SCHEMA, "Person");
    /* A failing callback rolls everything back and reports its status. */
    FAILS(syncline_database_open_with_migration(path, V1, 1, fail, NULL, &db),
          SYNCLINE_ERROR_CALLBACK, "returned 7");
    OK(syncline_database_open(path, V0, &db));
    char *json = NULL;
    OK(syncline_database_get(db, "Person", "1", &json));
    CHECK(json != NULL && strstr(json, "\"name\":\"ada\"") != NULL);
    OK(syncline_string_free(json));
    OK(syncline_database_free(db));

    /* Version 1 with the migration: the field is renamed and transformed. */
    uint64_t old_version = 99;
    OK(syncline_database_open_with_migration(path, V1, 1, rename_name, &old_version, &db));
    CHECK(old_version == 0);
    OK(syncline_database_get(db, "Person", "1", &json));
    CHECK(json != NULL && strstr(json, "\"fullName\":\"ADA\"") != NULL);
    CHECK(strstr(json, "\"name\"") == NULL);
    OK(syncline_string_free(json));
    OK(syncline_database_free(db));

    /* Bad input: NULL arguments and a NULL migration handle are errors, not crashes. */
    FAILS(syncline_database_open_with_migration(NULL, V1, 1, NULL, NULL, &db),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "path");
    FAILS(syncline_migration_old_schema_version(NULL, &old_version),
          SYNCLINE_ERROR_INVALID_HANDLE, "migration");

    snprintf(path, sizeof path, "%s/people.db", dir);
    unlink(path);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    puts("migration: ok");
    return 0;
}

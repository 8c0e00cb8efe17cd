/* Schema interop through the C API: JSON Schema both ways, diff, Development Mode, sync rules,
 * inference and model code generation. */
#include "check.h"

#define PEOPLE "[{\"name\": \"Person\", \"primaryKey\": \"_id\", \"properties\": {" \
    "\"_id\": \"objectId\", \"name\": \"string\", \"age\": \"int?\", \"tags\": \"string[]\"}}]"
#define ADDED "[{\"name\": \"Person\", \"primaryKey\": \"_id\", \"properties\": {" \
    "\"_id\": \"objectId\", \"name\": \"string\", \"age\": \"int?\", \"tags\": \"string[]\", " \
    "\"email\": \"string?\"}}]"
#define RETYPED "[{\"name\": \"Person\", \"primaryKey\": \"_id\", \"properties\": {" \
    "\"_id\": \"objectId\", \"name\": \"string\", \"age\": \"string?\", \"tags\": \"string[]\"}}]"

/* The text between `"collections":` and `,"notes"` of a to_json_schema result. */
static char *collections_of(const char *result) {
    const char *start = strstr(result, "\"collections\":");
    const char *end = strstr(result, ",\"notes\"");
    CHECK(start != NULL && end != NULL && end > start);
    start += strlen("\"collections\":");
    size_t len = (size_t)(end - start);
    char *out = malloc(len + 1);
    CHECK(out != NULL);
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

int main(void) {
    char *json = NULL;

    /* Realm schema -> App Services JSON Schema -> Realm schema: no change. */
    OK(syncline_schema_to_json_schema(PEOPLE, &json));
    CHECK(strstr(json, "\"title\":\"Person\"") != NULL);
    CHECK(strstr(json, "\"bsonType\":\"array\"") != NULL);
    char *collections = collections_of(json);
    OK(syncline_string_free(json));
    OK(syncline_schema_from_json_schema(collections, &json));
    free(collections);
    CHECK(strstr(json, "\"schema\":[") != NULL);
    /* Cut {"schema": X, "notes": …} down to X by diffing through the wrapper's fields. */
    char *schema_start = strstr(json, "\"schema\":") + strlen("\"schema\":");
    char *notes = strstr(json, ",\"notes\"");
    CHECK(notes != NULL);
    *notes = '\0';
    char *diff = NULL;
    OK(syncline_schema_diff(PEOPLE, schema_start, &diff));
    CHECK(strcmp(diff, "[]") == 0);
    OK(syncline_string_free(diff));
    OK(syncline_string_free(json));

    /* Each change classified with its class and property. */
    OK(syncline_schema_diff(PEOPLE, ADDED, &json));
    CHECK(strstr(json, "\"kind\":\"additive\"") != NULL);
    CHECK(strstr(json, "\"property\":\"email\"") != NULL);
    OK(syncline_string_free(json));
    OK(syncline_schema_diff(PEOPLE, RETYPED, &json));
    CHECK(strstr(json, "\"kind\":\"breaking\"") != NULL);
    OK(syncline_string_free(json));

    /* Development Mode: additive accepted, breaking refused; off: everything refused. */
    OK(syncline_schema_development_mode_decision(PEOPLE, ADDED, true, &json));
    CHECK(strstr(json, "email") != NULL);
    OK(syncline_string_free(json));
    FAILS(syncline_schema_development_mode_decision(PEOPLE, RETYPED, true, &json),
          SYNCLINE_ERROR_SCHEMA, "age");
    FAILS(syncline_schema_development_mode_decision(PEOPLE, ADDED, false, &json),
          SYNCLINE_ERROR_SCHEMA, "email");

    /* Sync rules. */
    OK(syncline_schema_sync_rule_errors(PEOPLE, "[\"name\", \"tags\"]", &json));
    CHECK(strcmp(json, "[]") == 0);
    OK(syncline_string_free(json));
    OK(syncline_schema_sync_rule_errors(
        PEOPLE, "[\"f0\",\"f1\",\"f2\",\"f3\",\"f4\",\"f5\",\"f6\",\"f7\",\"f8\",\"f9\",\"f10\"]", &json));
    CHECK(strstr(json, "10") != NULL);
    OK(syncline_string_free(json));
    FAILS(syncline_schema_sync_rule_errors(PEOPLE, "{\"not\": \"a list\"}", &json),
          SYNCLINE_ERROR_INVALID_ARGUMENT, "queryable_fields_json");

    /* Inference from Extended JSON lines. */
    OK(syncline_schema_infer("Sample",
                             "{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"n\": 1}\n"
                             "{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4c\"}, \"n\": \"one\"}\n",
                             &json));
    CHECK(strstr(json, "\"primaryKey\":\"_id\"") != NULL);
    CHECK(strstr(json, "mixed") != NULL);
    CHECK(strstr(json, "\"documents\":2") != NULL);
    OK(syncline_string_free(json));
    FAILS(syncline_schema_infer("Sample", "{\"_id\": 1}\nnot json", &json), SYNCLINE_ERROR_SCHEMA,
          "line 2");

    /* Model code generation. */
    OK(syncline_schema_generate_models(PEOPLE, "c", &json));
    CHECK(strstr(json, "Person") != NULL);
    OK(syncline_string_free(json));
    FAILS(syncline_schema_generate_models(PEOPLE, "cobol", &json), SYNCLINE_ERROR_SCHEMA, "cobol");
    FAILS(syncline_schema_generate_models(NULL, "c", &json), SYNCLINE_ERROR_INVALID_ARGUMENT,
          "schema_json");

    puts("schema interop: ok");
    return 0;
}

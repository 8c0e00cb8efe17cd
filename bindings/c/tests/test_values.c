/* Every property type crosses the C API as Extended JSON and comes back in canonical form. */
#include "check.h"

#define SCHEMA                                                                                   \
    "[{\"name\": \"Address\", \"embedded\": true, \"properties\": {\"street\": \"string\", \"zip\": \"int?\"}}," \
    " {\"name\": \"Owner\", \"primaryKey\": \"_id\", \"properties\": {\"_id\": \"uuid\"}},"     \
    " {\"name\": \"Everything\", \"primaryKey\": \"_id\", \"properties\": {"                     \
    "  \"_id\": \"objectId\", \"b\": \"bool\", \"i\": \"int\", \"f\": \"float\", \"d\": \"double\"," \
    "  \"s\": \"string\", \"bin\": \"data\", \"date\": \"date\", \"u\": \"uuid\", \"dec\": \"decimal128\"," \
    "  \"any\": \"mixed\", \"owner\": \"Owner\", \"address\": \"Address\", \"list\": \"int[]\","  \
    "  \"set\": \"string<>\", \"dict\": \"double{}\", \"maybe\": \"string?\"}}]"

#define OWNER "{\"$uuid\":\"67e55044-10b1-426f-9247-bb680e5fe0c8\"}"

/* Each field as it must come back, in canonical Extended JSON. */
static const char *const expected[] = {
    "\"_id\":{\"$oid\":\"5f1b2c3d4e5f601122334455\"}",
    "\"b\":true",
    "\"i\":{\"$numberLong\":\"-9223372036854775808\"}",
    "\"f\":{\"$numberDouble\":\"1.5\"}",
    "\"d\":{\"$numberDouble\":\"-2.25\"}",
    "\"s\":\"h\xc3\xa9llo\"",
    "\"bin\":{\"$binary\":{\"base64\":\"AAH/\",\"subType\":\"00\"}}",
    "\"u\":" OWNER,
    "\"dec\":{\"$numberDecimal\":\"12.50\"}",
    "\"any\":\"mixed\"",
    "\"owner\":{\"$link\":{\"class\":\"Owner\",\"pk\":" OWNER "}}",
    "\"address\":{\"street\":\"Main\",\"zip\":{\"$numberLong\":\"1234\"}}",
    "\"list\":[{\"$numberLong\":\"3\"},{\"$numberLong\":\"1\"},{\"$numberLong\":\"3\"}]",
    "\"set\":[\"a\",\"b\"]",
    "\"dict\":{\"x\":{\"$numberDouble\":\"0.5\"}}",
    "\"maybe\":null",
};

int main(void) {
    SynclineDatabase *db = NULL;
    OK(syncline_database_open_temporary(SCHEMA, &db));
    SynclineTransaction *txn = NULL;
    OK(syncline_database_begin_write(db, &txn));
    OK(syncline_transaction_create(txn, "Owner", "{\"_id\": " OWNER "}", NULL));
    const char *object =
        "{\"_id\": {\"$oid\": \"5f1b2c3d4e5f601122334455\"}, \"b\": true,"
        " \"i\": {\"$numberLong\": \"-9223372036854775808\"}, \"f\": 1.5, \"d\": -2.25,"
        " \"s\": \"h\xc3\xa9llo\", \"bin\": {\"$binary\": {\"base64\": \"AAH/\", \"subType\": \"00\"}},"
        " \"date\": {\"$date\": \"2023-11-14T22:13:20.123Z\"}, \"u\": " OWNER ","
        " \"dec\": {\"$numberDecimal\": \"12.50\"}, \"any\": \"mixed\", \"owner\": " OWNER ","
        " \"address\": {\"street\": \"Main\", \"zip\": 1234}, \"list\": [3, 1, 3],"
        " \"set\": [\"a\", \"b\"], \"dict\": {\"x\": 0.5}, \"maybe\": null}";
    char *pk = NULL;
    OK(syncline_transaction_create(txn, "Everything", object, &pk));
    CHECK(strcmp(pk, "{\"$oid\":\"5f1b2c3d4e5f601122334455\"}") == 0);
    OK(syncline_transaction_commit(txn));
    OK(syncline_transaction_free(txn));

    char *json = NULL;
    OK(syncline_database_get(db, "Everything", pk, &json));
    CHECK(json != NULL);
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        if (strstr(json, expected[i]) == NULL) {
            fprintf(stderr, "missing %s in %s\n", expected[i], json);
            return 1;
        }
    }
    /* The date comes back with its milliseconds. */
    CHECK(strstr(json, "\"date\":{\"$date\":\"2023-11-14T22:13:20.123Z\"}") != NULL);
    OK(syncline_string_free(json));
    OK(syncline_string_free(pk));
    OK(syncline_database_free(db));
    return 0;
}

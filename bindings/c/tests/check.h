/* Tiny assertion helpers shared by the C tests. */
#ifndef SYNCLINE_TEST_CHECK_H
#define SYNCLINE_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syncline.h"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            const char *last = syncline_last_error_message();                         \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__,   \
                    __LINE__, #cond, last ? last : "none");                           \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* A call that must succeed. */
#define OK(call) CHECK((call) == SYNCLINE_OK)

/* A call that must fail with `code` and a message containing `needle`. */
#define FAILS(call, code, needle)                                                     \
    do {                                                                              \
        int status_ = (call);                                                         \
        const char *message_ = syncline_last_error_message();                         \
        if (status_ != (code) || message_ == NULL || strstr(message_, needle) == NULL) { \
            fprintf(stderr, "%s:%d: %s gave %d (%s), expected %d with \"%s\"\n",    \
                    __FILE__, __LINE__, #call, status_, message_ ? message_ : "none", \
                    (code), needle);                                                  \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

#define TASK_SCHEMA                                                                   \
    "[{\"name\": \"Task\", \"primaryKey\": \"_id\", \"properties\": {"                \
    "\"_id\": \"int\", \"title\": \"string\", "                                       \
    "\"done\": {\"type\": \"bool\", \"default\": false}, \"tags\": \"string[]\"}}]"

#endif

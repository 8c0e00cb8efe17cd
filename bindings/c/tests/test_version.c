/* The C ABI answers at all: the version string comes from the library. */
#include <stdio.h>
#include <string.h>

#include "syncline.h"

int main(void) {
    const char *version = syncline_version();
    if (version == NULL || strcmp(version, "0.1.0") != 0) {
        fprintf(stderr, "unexpected version %s\n", version ? version : "(null)");
        return 1;
    }
    return 0;
}

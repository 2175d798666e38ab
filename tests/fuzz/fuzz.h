/* fuzz.h — the entry point libFuzzer calls in every target. */
#ifndef C8S_FUZZ_H
#define C8S_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

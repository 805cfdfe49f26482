/* Shared helpers for the cmocka unit tests. */
#ifndef OG_TEST_HELPERS_H
#define OG_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* Make a fresh temp dir for one test; returns its path (static buffer per
 * call site is not used: the caller frees with og_test_tmpdir_done). The dir
 * is removed on success and kept (its path printed) on failure. */
char *og_test_tmpdir(void);
void og_test_tmpdir_done(char *dir, int keep);

/* Write a file (creating parent dirs). Aborts the test on failure. */
void og_test_write(const char *dir, const char *rel, const void *data, size_t len);

/* A growable byte buffer for building test inputs (tars, blobs). */
typedef struct og_test_buf {
	unsigned char *p;
	size_t len, cap;
} og_test_buf;

void og_test_buf_add(og_test_buf *b, const void *data, size_t len);
void og_test_buf_zero(og_test_buf *b, size_t len);
void og_test_buf_free(og_test_buf *b);

#endif

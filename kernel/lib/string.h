/* kernel/lib/string.h - the few C library string routines the kernel uses.
 * GCC may emit calls to memcpy/memset/memmove/memcmp even in freestanding code, so these
 * must exist with their standard names. */
#ifndef IRQLAB_LIB_STRING_H
#define IRQLAB_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copy at most size-1 bytes and always terminate (when size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif

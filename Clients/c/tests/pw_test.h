/* pw_test.h: the few assertion helpers the C client tests share. */
#ifndef PW_TEST_H
#define PW_TEST_H

#include <stdio.h>
#include <stdlib.h>

static int pw_test_failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      pw_test_failures++;                                                      \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                          \
  do {                                                                                              \
    long long pw_a_ = (long long)(a), pw_b_ = (long long)(b);                                       \
    if (pw_a_ != pw_b_) {                                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld vs %lld)\n", __FILE__, __LINE__, #a, #b, \
              pw_a_, pw_b_);                                                                        \
      pw_test_failures++;                                                                           \
    }                                                                                               \
  } while (0)

#define TEST_DONE(name)                                                  \
  do {                                                                   \
    if (pw_test_failures) {                                              \
      fprintf(stderr, "%s: %d check(s) failed\n", name, pw_test_failures); \
      return 1;                                                          \
    }                                                                    \
    printf("%s: all passed\n", name);                                    \
    return 0;                                                            \
  } while (0)

#endif

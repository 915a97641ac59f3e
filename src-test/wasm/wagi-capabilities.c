// WAGI fixture: calls application capabilities through isola:host/NAME.op. The query names the
// case: "invoice" (billing.invoice ["c-1",500]), "negative" (a failure the capability reports),
// "bad" (arguments that do not fit), "counter" (counter.add [3], twice). Prints each result code
// and the JSON (or the error message) on its own line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "isola-host.h"

ISOLA_CAPABILITY("billing", "invoice", billing_invoice)
ISOLA_CAPABILITY("counter", "add", counter_add)

static char out[4096];

static void report(int64_t n) {
  if (n >= 0 && n <= (int64_t)sizeof out) {
    printf("%lld %.*s\n", (long long)n, (int)n, out);
  } else {
    int64_t m = isola_call_error(out, sizeof out);
    printf("%lld %.*s\n", (long long)n, (int)(m < (int64_t)sizeof out ? m : 0), out);
  }
}

static int64_t call(int64_t (*f)(const char *, uint32_t, void *, uint32_t), const char *args) {
  return f(args, strlen(args), out, sizeof out);
}

int main(void) {
  const char *q = getenv("QUERY_STRING");
  printf("Content-Type: text/plain\n\n");
  if (q == NULL) q = "";
  if (strcmp(q, "invoice") == 0) {
    report(call(billing_invoice, "[\"c-1\", 500]"));
  } else if (strcmp(q, "negative") == 0) {
    report(call(billing_invoice, "[\"c-1\", -5]"));
  } else if (strcmp(q, "bad") == 0) {
    report(call(billing_invoice, "[\"c-1\", \"five\"]"));
    report(call(billing_invoice, "not json"));
  } else if (strcmp(q, "counter") == 0) {
    report(call(counter_add, "[3]"));
    report(call(counter_add, "[3]"));
  }
  return 0;
}

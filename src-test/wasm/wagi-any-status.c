/* WAGI fixture: answers with the status given as the query string
 * ("Status: <QUERY_STRING>"), Content-Type text/plain and body "status sent\n". */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *status = getenv("QUERY_STRING");
  printf("Status: %s\n"
         "Content-Type: text/plain\n"
         "\n"
         "status sent\n",
         status == NULL ? "" : status);
  return 0;
}

/* WAGI fixture: a 404 with a custom header. */
#include <stdio.h>

int main(void) {
  fputs("Status: 404 Not Found\n"
        "Content-Type: text/plain\n"
        "X-Custom: yes\n"
        "\n"
        "not here\n",
        stdout);
  return 0;
}

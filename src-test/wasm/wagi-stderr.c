/* WAGI fixture: three lines on stderr ("one", "two", "three"), then a
 * text/plain response "logged\n". */
#include <stdio.h>

int main(void) {
  fputs("one\n", stderr);
  fputs("two\n", stderr);
  fputs("three\n", stderr);
  fputs("Content-Type: text/plain\n\nlogged\n", stdout);
  return 0;
}

/* Extism fixture built as a WASI reactor: handle() takes a guest path as its
 * input, reads the file's first line and then tries to open it for writing;
 * outputs "read: <line or errno name>\nwrite: <ok or errno name>\n". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "extism-abi.h"

static const char *outcome(int ok, const char *detail) {
  if (ok) return detail;
  switch (errno) {
    case EROFS: return "EROFS";
    case ENOENT: return "ENOENT";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EIO: return "EIO";
  }
  return "other error";
}

EXTISM_EXPORT("handle") int32_t handle(void) {
  char path[256];
  uint64_t n = extism_input_length();
  if (n >= sizeof path) n = sizeof path - 1;
  for (uint64_t i = 0; i < n; i++) path[i] = (char)extism_input_load_u8(i);
  path[n] = '\0';

  char line[256] = "";
  errno = 0;
  FILE *f = fopen(path, "r");
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    fclose(f);
  }
  char out[600];
  int len = snprintf(out, sizeof out, "read: %s\n", outcome(f != NULL, line));

  errno = 0;
  FILE *w = fopen(path, "w");
  if (w) fclose(w);
  len += snprintf(out + len, sizeof out - len, "write: %s\n", outcome(w != NULL, "ok"));
  x_output(out, (size_t)len);
  return 0;
}

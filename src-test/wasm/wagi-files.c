/* WAGI fixture: tries to reach the file system; one line per attempt,
 * "<what>: denied (<strerror>)" or "<what>: OPENED <first line or entry>". */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void try_file(const char *path) {
  errno = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("fopen %s: denied (%s)\n", path, strerror(errno));
    return;
  }
  char line[256] = "";
  if (!fgets(line, sizeof line, f)) line[0] = '\0';
  line[strcspn(line, "\n")] = '\0';
  printf("fopen %s: OPENED %s\n", path, line);
  fclose(f);
}

static void try_dir(const char *path) {
  errno = 0;
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s: denied (%s)\n", path, strerror(errno));
    return;
  }
  struct dirent *e = readdir(d);
  printf("opendir %s: OPENED %s\n", path, e ? e->d_name : "");
  closedir(d);
}

int main(void) {
  fputs("Content-Type: text/plain\n\n", stdout);
  try_file("/etc/passwd");
  try_file("etc/passwd");
  try_file("../../etc/passwd");
  try_dir("/");
  try_dir(".");
  return 0;
}

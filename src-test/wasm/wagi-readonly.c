/* WAGI fixture for a read-only files grant mounted at /data (layout in
 * README.md): reads, then tries every kind of change and every way out of the
 * directory. One line per attempt: "<what>: ok[ <detail>]" or
 * "<what>: <errno name>". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *errno_name(int e) {
  static char other[32];
  switch (e) {
    case EROFS: return "EROFS";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case EEXIST: return "EEXIST";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOTSUP: return "ENOTSUP";
    case ENOSYS: return "ENOSYS";
  }
  snprintf(other, sizeof other, "errno %d", e);
  return other;
}

/* Prints the outcome of an attempt: ok (with detail) if ok, else errno. */
static void report(const char *what, const char *path, int ok, const char *detail) {
  if (ok) {
    printf("%s %s: ok%s%s\n", what, path, detail[0] ? " " : "", detail);
  } else {
    printf("%s %s: %s\n", what, path, errno_name(errno));
  }
}

static void read_file(const char *what, const char *path) {
  errno = 0;
  FILE *f = fopen(path, "r");
  char line[256] = "";
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    fclose(f);
  }
  report(what, path, f != NULL, line);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists a directory's entries but . and .., sorted, comma-separated. */
static void list_dir(const char *path) {
  errno = 0;
  DIR *d = opendir(path);
  char names[1024] = "";
  if (d) {
    char *entries[64];
    int n = 0;
    struct dirent *e;
    while (n < 64 && (e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) entries[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(entries, n, sizeof entries[0], by_name);
    for (int i = 0; i < n; i++) {
      if (i > 0) strcat(names, ",");
      strncat(names, entries[i], sizeof names - strlen(names) - 2);
      free(entries[i]);
    }
  }
  report("list", path, d != NULL, names);
}

/* "file size=<bytes>", "dir" or "symlink" (directory sizes vary by file system). */
static void stat_path(const char *what, const char *path, int follow) {
  struct stat st;
  char detail[64] = "";
  errno = 0;
  int ok = (follow ? stat(path, &st) : lstat(path, &st)) == 0;
  if (ok && S_ISREG(st.st_mode)) {
    snprintf(detail, sizeof detail, "file size=%lld", (long long)st.st_size);
  } else if (ok) {
    snprintf(detail, sizeof detail, "%s", S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "symlink" : "other");
  }
  report(what, path, ok, detail);
}

static void try_fopen(const char *mode, const char *path) {
  char what[16];
  snprintf(what, sizeof what, "fopen %s", mode);
  errno = 0;
  FILE *f = fopen(path, mode);
  report(what, path, f != NULL, "");
  if (f) fclose(f);
}

static void try_open(const char *what, const char *path, int flags) {
  errno = 0;
  int fd = open(path, flags, 0644);
  report(what, path, fd >= 0, "");
  if (fd >= 0) close(fd);
}

/* Changes tried through a descriptor opened for reading. */
static void try_descriptor(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    report("open", path, 0, "");
    return;
  }
  errno = 0;
  report("write", path, write(fd, "x", 1) == 1, "");
  errno = 0;
  report("ftruncate", path, ftruncate(fd, 0) == 0, "");
  errno = 0;
  struct timespec times[2] = {{0, 0}, {0, 0}};
  report("futimens", path, futimens(fd, times) == 0, "");
  errno = posix_fallocate(fd, 0, 1 << 20);
  report("posix_fallocate", path, errno == 0, "");
  close(fd);
}

int main(void) {
  fputs("Content-Type: text/plain\n\n", stdout);

  /* Reads. */
  read_file("read", "/data/hello.txt");
  read_file("read", "/data/sub/nested.txt");
  read_file("read", "/data/alias");
  list_dir("/data");
  list_dir("/data/sub");
  stat_path("stat", "/data/hello.txt", 1);
  stat_path("stat", "/data/sub", 1);
  stat_path("lstat", "/data/alias", 0);

  /* Changes. */
  try_fopen("w", "/data/hello.txt");
  try_fopen("w", "/data/new.txt");
  try_fopen("a", "/data/hello.txt");
  try_fopen("r+", "/data/hello.txt");
  errno = 0;
  int fd = creat("/data/created.txt", 0644);
  report("creat", "/data/created.txt", fd >= 0, "");
  try_open("open O_CREAT|O_RDONLY", "/data/created.txt", O_CREAT | O_RDONLY);
  try_open("open O_TRUNC|O_RDONLY", "/data/hello.txt", O_TRUNC | O_RDONLY);
  try_open("open O_WRONLY", "/data/hello.txt", O_WRONLY);
  errno = 0;
  report("unlink", "/data/hello.txt", unlink("/data/hello.txt") == 0, "");
  errno = 0;
  report("rename", "/data/hello.txt", rename("/data/hello.txt", "/data/renamed.txt") == 0, "");
  errno = 0;
  report("mkdir", "/data/newdir", mkdir("/data/newdir", 0755) == 0, "");
  errno = 0;
  report("rmdir", "/data/empty", rmdir("/data/empty") == 0, "");
  errno = 0;
  report("symlink", "/data/link", symlink("hello.txt", "/data/link") == 0, "");
  errno = 0;
  report("link", "/data/hard", link("/data/hello.txt", "/data/hard") == 0, "");
  errno = 0;
  report("truncate", "/data/hello.txt", truncate("/data/hello.txt", 0) == 0, "");
  errno = 0;
  struct timeval times[2] = {{0, 0}, {0, 0}};
  report("utimes", "/data/hello.txt", utimes("/data/hello.txt", times) == 0, "");
  try_descriptor("/data/hello.txt");
  read_file("read again", "/data/hello.txt");

  /* Ways out. */
  read_file("read", "/data/escape");
  read_file("read", "/data/escape-abs");
  read_file("read", "/data/escape-dir/secret.txt");
  list_dir("/data/escape-dir");
  stat_path("stat", "/data/escape", 1);
  stat_path("lstat", "/data/escape", 0);
  read_file("read", "/data/../outside.txt");
  read_file("read", "/data/sub/../../outside.txt");
  read_file("read", "/data/../etc/passwd");
  list_dir("/data/..");
  return 0;
}

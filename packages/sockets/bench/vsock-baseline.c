/*
 * vsock-baseline: the C baseline for bench/guest.ts — a blocking AF_VSOCK echo/sink server and
 * client. Compiled and run ONLY inside the nested-VM harness guest (it refuses to run without
 * vsock_harness_guest=1 on /proc/cmdline).
 *
 *   vsock-baseline server                      listens on CID_ANY, any port; prints "listening <port>"
 *   vsock-baseline rtt  <port> <count> <warmup> prints mean µs per 64-byte round trip to CID 1
 *   vsock-baseline bulk <port> <bytes> <warmup> prints MB/s (10^6 B/s) for <bytes> in 64 KiB writes
 *
 * Protocol: the client's first byte picks the mode: 'R' = echo everything back, 'B' = read until
 * end of stream, then answer with the 8-byte count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vm_sockets.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define MESSAGE 64

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void require_harness_guest(void) {
  char buf[4096];
  FILE *f = fopen("/proc/cmdline", "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  for (char *tok = strtok(buf, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
    if (strcmp(tok, "vsock_harness_guest=1") == 0) return;
  fprintf(stderr, "vsock-baseline: refusing to run outside the nested-VM harness guest\n");
  exit(2);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += n;
    len -= (size_t)n;
  }
}

static void read_exact(int fd, char *p, size_t len) {
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (n == 0) {
      fprintf(stderr, "vsock-baseline: unexpected end of stream\n");
      exit(1);
    }
    p += n;
    len -= (size_t)n;
  }
}

static void serve(int fd) {
  static char buf[CHUNK];
  char mode;
  read_exact(fd, &mode, 1);
  uint64_t count = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (n == 0) break;
    if (mode == 'R') write_all(fd, buf, (size_t)n);
    else count += (uint64_t)n;
  }
  if (mode == 'B') write_all(fd, (const char *)&count, sizeof count);
  close(fd);
}

static int server(void) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = VMADDR_PORT_ANY};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(fd, 16) < 0) die("listen");
  socklen_t len = sizeof addr;
  if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
  printf("listening %u\n", addr.svm_port);
  fflush(stdout);
  signal(SIGCHLD, SIG_IGN);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    pid_t pid = fork(); /* one process per connection: the Node clients may overlap a little */
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(fd);
      serve(c);
      _exit(0);
    }
    close(c);
  }
}

static int connect_loopback(unsigned port, char mode) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL, .svm_port = port};
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  write_all(fd, &mode, 1);
  return fd;
}

static double round_trips(int fd, long count) {
  char msg[MESSAGE];
  memset(msg, 'a', sizeof msg);
  double start = now_us();
  for (long i = 0; i < count; i++) {
    write_all(fd, msg, sizeof msg);
    read_exact(fd, msg, sizeof msg);
  }
  return (now_us() - start) / (double)count;
}

static double bulk(unsigned port, uint64_t total) {
  static char buf[CHUNK];
  memset(buf, 'b', sizeof buf);
  int fd = connect_loopback(port, 'B');
  double start = now_us();
  for (uint64_t sent = 0; sent < total; sent += CHUNK) write_all(fd, buf, CHUNK);
  shutdown(fd, SHUT_WR);
  uint64_t count;
  read_exact(fd, (char *)&count, sizeof count);
  double seconds = (now_us() - start) / 1e6;
  close(fd);
  if (count < total) {
    fprintf(stderr, "vsock-baseline: server counted %llu of %llu bytes\n",
            (unsigned long long)count, (unsigned long long)total);
    exit(1);
  }
  return (double)total / seconds / 1e6;
}

int main(int argc, char **argv) {
  require_harness_guest();
  signal(SIGPIPE, SIG_IGN);
  if (argc == 2 && strcmp(argv[1], "server") == 0) return server();
  if (argc == 5 && strcmp(argv[1], "rtt") == 0) {
    unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
    int fd = connect_loopback(port, 'R');
    round_trips(fd, atol(argv[4]));
    printf("%.3f\n", round_trips(fd, atol(argv[3])));
    close(fd);
    return 0;
  }
  if (argc == 5 && strcmp(argv[1], "bulk") == 0) {
    unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
    uint64_t warmup = strtoull(argv[4], NULL, 10);
    if (warmup) bulk(port, warmup);
    printf("%.1f\n", bulk(port, strtoull(argv[3], NULL, 10)));
    return 0;
  }
  fprintf(stderr, "usage: vsock-baseline server | rtt <port> <count> <warmup> | bulk <port> <bytes> <warmup>\n");
  return 2;
}

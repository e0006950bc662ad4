/*
 * vsock-baseline: the C baseline for bench/guest.ts — a blocking AF_VSOCK echo/sink server and
 * client. Compiled and run ONLY inside the nested-VM harness guest (it refuses to run without
 * vsock_harness_guest=1 on /proc/cmdline).
 *
 *   vsock-baseline server [bufsize]             listens on CID_ANY, any port; prints "listening <port>";
 *                                               bufsize sets SO_VM_SOCKETS_BUFFER_(MAX_)SIZE
 *   vsock-baseline server unix:<path>           the same server on an AF_UNIX path ("listening 0")
 *   vsock-baseline server tcp                   the same server on TCP 127.0.0.1, any port
 *   vsock-baseline closer [unix:<path> | tcp]   accepts and closes at once, no fork (default vsock)
 *   vsock-baseline rtt  <target> <count> <warmup> prints mean µs per 64-byte round trip
 *   vsock-baseline bulk <target> <bytes> <warmup> [bufsize [chunk]]  prints MB/s (10^6 B/s);
 *                                               writes of <chunk> bytes (default 64 KiB)
 *   vsock-baseline bulk-zc <target> <bytes> <warmup> [bufsize [chunk]]  the same with SO_ZEROCOPY
 *                                               and MSG_ZEROCOPY sends (vsock: Linux >= 6.7),
 *                                               completions reaped from the error queue
 *   vsock-baseline connects <target> <count>    connect to a closer, wait for its close, repeat;
 *                                               prints connections per second
 *
 * A <target> is a vsock port on CID 1, unix:<path> or tcp:<port> (127.0.0.1). Protocol: the client's first byte picks
 * the mode: 'R' = echo everything back, 'B' = read until end of stream, then answer with the
 * 8-byte count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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
  ssize_t got;
  while ((got = read(fd, &mode, 1)) < 0 && errno == EINTR) {
  }
  if (got != 1) { /* a probe that only connected (or a reset): nothing to serve */
    close(fd);
    return;
  }
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
  /* The count goes to a client that may have left (e.g. bulk-zc probing a kernel without
     MSG_ZEROCOPY for vsock): not an error of the server's. */
  if (mode == 'B') {
    ssize_t sent = write(fd, &count, sizeof count);
    (void)sent;
  }
  close(fd);
}

static void set_buffer_size(int fd, unsigned long long size) {
  if (size == 0) return;
  if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, &size, sizeof size) < 0)
    die("setsockopt BUFFER_MAX_SIZE");
  if (setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size, sizeof size) < 0)
    die("setsockopt BUFFER_SIZE");
}

/* A listening socket: vsock (CID_ANY, any port; accepted sockets inherit its buffer size),
   AF_UNIX at `path`, or TCP on 127.0.0.1 (any port). Prints "listening <port>". */
static int listen_on(const char *kind, unsigned long long bufsize) {
  int fd;
  unsigned port = 0;
  if (strncmp(kind, "unix:", 5) == 0) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", kind + 5);
    unlink(addr.sun_path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) die("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  } else if (strcmp(kind, "tcp") == 0) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
    port = ntohs(addr.sin_port);
  } else {
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = VMADDR_PORT_ANY};
    if ((fd = socket(AF_VSOCK, SOCK_STREAM, 0)) < 0) die("socket");
    set_buffer_size(fd, bufsize);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
    port = addr.svm_port;
  }
  if (listen(fd, 1024) < 0) die("listen");
  printf("listening %u\n", port);
  fflush(stdout);
  return fd;
}

static int accept_retry(int fd) {
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c >= 0) return c;
    if (errno != EINTR && errno != ECONNABORTED) die("accept");
  }
}

static int server(const char *kind, unsigned long long bufsize) {
  int fd = listen_on(kind, bufsize);
  signal(SIGCHLD, SIG_IGN);
  for (;;) {
    int c = accept_retry(fd);
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

/* Accepts and closes at once: the far end of the connection-setup measurement. */
static int closer(const char *kind) {
  int fd = listen_on(kind, 0);
  for (;;) {
    int c = accept_retry(fd);
    close(c);
  }
  return 0;
}

/* Connects to a <target>: a vsock port on CID 1, unix:<path> or tcp:<port> on 127.0.0.1. */
static int connect_to(const char *target, unsigned long long bufsize) {
  int fd;
  if (strncmp(target, "unix:", 5) == 0) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", target + 5);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  } else if (strncmp(target, "tcp:", 4) == 0) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons((unsigned short)strtoul(target + 4, NULL, 10))};
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  } else {
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL,
                               .svm_port = (unsigned)strtoul(target, NULL, 10)};
    if ((fd = socket(AF_VSOCK, SOCK_STREAM, 0)) < 0) die("socket");
    set_buffer_size(fd, bufsize);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  }
  return fd;
}

/* Connects to a <target> and sends the mode byte. */
static int connect_target(const char *target, char mode, unsigned long long bufsize) {
  int fd = connect_to(target, bufsize);
  write_all(fd, &mode, 1);
  return fd;
}

static double connects(const char *target, long count) {
  char byte;
  double start = now_us();
  for (long i = 0; i < count; i++) {
    int fd = connect_to(target, 0);
    while (read(fd, &byte, 1) > 0) {
    }
    close(fd);
  }
  return (double)count / ((now_us() - start) / 1e6);
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

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

/* MSG_ZEROCOPY bookkeeping: sends issued, completions reaped, and how many the kernel copied
   anyway (SO_EE_CODE_ZEROCOPY_COPIED). */
static uint64_t zc_sent, zc_done, zc_copied;

/* Reads the completion notifications waiting on the error queue; with `block`, waits for one. */
static void zc_reap(int fd, int block) {
  for (;;) {
    if (block) {
      struct pollfd p = {.fd = fd, .events = 0};
      if (poll(&p, 1, -1) < 0 && errno != EINTR) die("poll");
    }
    char control[128];
    struct msghdr msg = {.msg_control = control, .msg_controllen = sizeof control};
    if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("recvmsg MSG_ERRQUEUE");
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      struct sock_extended_err *ee = (struct sock_extended_err *)CMSG_DATA(c);
      if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY) continue;
      uint64_t n = (uint64_t)(ee->ee_data - ee->ee_info) + 1;
      zc_done += n;
      if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED) zc_copied += n;
    }
    block = 0;
  }
}

static double bulk(const char *target, uint64_t total, unsigned long long bufsize, size_t chunk,
                   int zerocopy) {
  char *buf = malloc(chunk);
  if (!buf) die("malloc");
  memset(buf, 'b', chunk);
  int fd = connect_target(target, 'B', bufsize);
  if (zerocopy) {
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0) die("setsockopt SO_ZEROCOPY");
  }
  double start = now_us();
  for (uint64_t sent = 0; sent < total; sent += chunk) {
    if (!zerocopy) {
      write_all(fd, buf, chunk);
      continue;
    }
    /* The buffer never changes, so a send need not wait for its completion; reaping keeps the
       error queue (bounded by optmem) from filling up. */
    for (size_t off = 0; off < chunk;) {
      ssize_t n = send(fd, buf + off, chunk - off, MSG_ZEROCOPY);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          zc_reap(fd, 1);
          continue;
        }
        die("send MSG_ZEROCOPY");
      }
      zc_sent++;
      off += (size_t)n;
    }
    zc_reap(fd, 0);
  }
  shutdown(fd, SHUT_WR);
  uint64_t count;
  read_exact(fd, (char *)&count, sizeof count);
  double seconds = (now_us() - start) / 1e6;
  while (zerocopy && zc_done < zc_sent) zc_reap(fd, 1);
  close(fd);
  free(buf);
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
  if (argc >= 2 && argc <= 3 && strcmp(argv[1], "server") == 0) {
    if (argc == 3 && (strncmp(argv[2], "unix:", 5) == 0 || strcmp(argv[2], "tcp") == 0))
      return server(argv[2], 0);
    return server("vsock", argc == 3 ? strtoull(argv[2], NULL, 10) : 0);
  }
  if ((argc == 2 || argc == 3) && strcmp(argv[1], "closer") == 0)
    return closer(argc == 3 ? argv[2] : "vsock");
  if (argc == 4 && strcmp(argv[1], "connects") == 0) {
    printf("%.1f\n", connects(argv[2], atol(argv[3])));
    return 0;
  }
  if (argc == 5 && strcmp(argv[1], "rtt") == 0) {
    int fd = connect_target(argv[2], 'R', 0);
    round_trips(fd, atol(argv[4]));
    printf("%.3f\n", round_trips(fd, atol(argv[3])));
    close(fd);
    return 0;
  }
  if (argc >= 5 && argc <= 7 && (strcmp(argv[1], "bulk") == 0 || strcmp(argv[1], "bulk-zc") == 0)) {
    int zerocopy = strcmp(argv[1], "bulk-zc") == 0;
    uint64_t warmup = strtoull(argv[4], NULL, 10);
    unsigned long long bufsize = argc >= 6 ? strtoull(argv[5], NULL, 10) : 0;
    size_t chunk = argc == 7 ? (size_t)strtoull(argv[6], NULL, 10) : CHUNK;
    if (chunk == 0) chunk = CHUNK;
    if (warmup) bulk(argv[2], warmup, bufsize, chunk, zerocopy);
    printf("%.1f\n", bulk(argv[2], strtoull(argv[3], NULL, 10), bufsize, chunk, zerocopy));
    if (zerocopy)
      fprintf(stderr, "vsock-baseline: %llu zerocopy sends, %llu copied by the kernel\n",
              (unsigned long long)zc_sent, (unsigned long long)zc_copied);
    return 0;
  }
  fprintf(stderr, "usage: vsock-baseline server [bufsize | unix:<path> | tcp] | "
                  "closer [unix:<path> | tcp] | rtt <target> <count> <warmup> | "
                  "bulk[-zc] <target> <bytes> <warmup> [bufsize [chunk]] | connects <target> <count>\n");
  return 2;
}

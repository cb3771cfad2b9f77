/*
 * The `client` workload's server, in C: answers `GET /small` (14 bytes) and `GET /1m` (1 MiB of
 * i % 251) with prebuilt HTTP/1.1 responses, keep-alive and pipelining, one thread per
 * connection, the 1 MiB body sent with sendfile(2) from a memory file. It exists so that the
 * server costs as little as possible and the clients are what is measured: the Node fixture
 * (src/procs/http-fixture.ts) spends most of a core in write(2) for 1 MiB answers and caps every
 * client at its own speed. Prints "PORT <n>" once listening on 127.0.0.1 (port 0: any free one).
 *
 * Built on demand by src/native.ts:  cc -O2 -pthread -o results/bin/http_fixture scripts/http_fixture.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG_SIZE (1 << 20)
#define MAX_PENDING 65536

static int big_fd;
static char big_head[256];
static int big_head_len;
static char small_resp[256];
static int small_resp_len;
static char not_found[256];
static int not_found_len;

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int send_big(int fd) {
  /* MSG_MORE: the head leaves with the first body segment, not in a packet of its own. */
  if (send(fd, big_head, (size_t)big_head_len, MSG_MORE) != big_head_len) return -1;
  off_t off = 0;
  while (off < BIG_SIZE) {
    ssize_t w = sendfile(fd, big_fd, &off, (size_t)(BIG_SIZE - off));
    if (w <= 0) return -1;
  }
  return 0;
}

/* Answers every complete request head in buf[0..len); returns how many bytes were consumed, or -1. */
static ssize_t answer(int fd, char *buf, size_t len) {
  size_t start = 0;
  for (;;) {
    char *end = memmem(buf + start, len - start, "\r\n\r\n", 4);
    if (end == NULL) return (ssize_t)start;
    char *sp = memchr(buf + start, ' ', (size_t)(end - (buf + start)));
    int rc;
    if (sp != NULL && end - sp > 4 && memcmp(sp + 1, "/1m ", 4) == 0) rc = send_big(fd);
    else if (sp != NULL && end - sp > 7 && memcmp(sp + 1, "/small ", 7) == 0) rc = write_all(fd, small_resp, (size_t)small_resp_len);
    else rc = write_all(fd, not_found, (size_t)not_found_len);
    if (rc != 0) return -1;
    start = (size_t)(end - buf) + 4;
  }
}

static void *serve(void *arg) {
  int fd = (int)(long)arg;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[MAX_PENDING];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) break;
    have += (size_t)r;
    ssize_t used = answer(fd, buf, have);
    if (used < 0) break;
    memmove(buf, buf + used, have - (size_t)used);
    have -= (size_t)used;
    if (have == sizeof buf) break; /* a head larger than 64 KiB: not a client under test */
  }
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  signal(SIGPIPE, SIG_IGN);

  char *body = malloc(BIG_SIZE);
  for (int i = 0; i < BIG_SIZE; i++) body[i] = (char)(i % 251);
  big_fd = memfd_create("http_fixture", 0);
  if (big_fd < 0 || write_all(big_fd, body, BIG_SIZE) != 0) {
    perror("memfd");
    return 1;
  }
  free(body);
  big_head_len = snprintf(big_head, sizeof big_head, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", BIG_SIZE);
  small_resp_len = snprintf(small_resp, sizeof small_resp, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 14\r\n\r\nHello, world!\n");
  not_found_len = snprintf(not_found, sizeof not_found, "HTTP/1.1 404 Not Found\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\nnot found\n");

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof addr;
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 512) != 0 || getsockname(ls, (struct sockaddr *)&addr, &alen) != 0) {
    perror("listen");
    return 1;
  }
  printf("PORT %d\n", ntohs(addr.sin_port));
  fflush(stdout);
  for (;;) {
    int c = accept(ls, NULL, NULL);
    if (c < 0) continue;
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void *)(long)c) != 0) {
      close(c);
      continue;
    }
    pthread_detach(t);
  }
}

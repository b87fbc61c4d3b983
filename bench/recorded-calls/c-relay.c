/*
 * The C reference relay of the recorded-call benchmark (built at bench time with `cc -O2`, pinned
 * like the media engine): the least a relay that records can do per packet, as the yardstick the
 * engine's CPU is divided by.
 *   c-relay <base-port> <calls>        then on stdin, one line per call:
 *   <call> <phoneA> <phoneB> <sinkA> <sinkB>
 * Per call it binds two leg ports (base + 2*call, +1) on 127.0.0.1. A datagram on leg A is sent
 * from leg B to phone B (the relay) and from leg A to sink A (the recording copy of party A's
 * voice), and the other way round: what the engine does with two joined legs and one recording
 * of both parties. One thread, epoll, recvmmsg for up to 32 datagrams of a socket per wake-up and
 * sendmmsg for the relayed and the copied datagrams of that batch; no checks, no statistics.
 * Prints {"type":"ready"} once bound and {"type":"joined"} once the map is read; exits at EOF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32

struct leg {
  int fd;
  struct leg *peer;
  struct sockaddr_in phone, sink;
};

static struct sockaddr_in loopback(int port) {
  return (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: c-relay <base-port> <calls>\n");
    return 2;
  }
  int base = atoi(argv[1]), calls = atoi(argv[2]);
  struct leg *legs = calloc(calls * 2, sizeof *legs);
  int ep = epoll_create1(0);
  for (int i = 0; i < calls * 2; i++) {
    legs[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 1 << 20;
    setsockopt(legs[i].fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    struct sockaddr_in a = loopback(base + i);
    if (bind(legs[i].fd, (struct sockaddr *)&a, sizeof a) != 0) {
      fprintf(stderr, "bind %d: %s\n", base + i, strerror(errno));
      return 1;
    }
    legs[i].peer = &legs[i ^ 1];
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &legs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, legs[i].fd, &e);
  }
  printf("{\"type\":\"ready\"}\n");
  fflush(stdout);
  for (int i = 0; i < calls; i++) {
    int call, pa, pb, sa, sb;
    if (scanf("%d %d %d %d %d", &call, &pa, &pb, &sa, &sb) != 5 || call < 0 || call >= calls) return 1;
    legs[call * 2].phone = loopback(pa);
    legs[call * 2 + 1].phone = loopback(pb);
    legs[call * 2].sink = loopback(sa);
    legs[call * 2 + 1].sink = loopback(sb);
  }
  printf("{\"type\":\"joined\"}\n");
  fflush(stdout);
  struct epoll_event stdin_event = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &stdin_event);

  static char bufs[BATCH][2048];
  static struct iovec iov[BATCH];
  static struct mmsghdr in[BATCH], relayed[BATCH], copies[BATCH];
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int e = 0; e < n; e++) {
      struct leg *leg = events[e].data.ptr;
      if (leg == NULL) {
        char scratch[256];
        if (read(0, scratch, sizeof scratch) <= 0) return 0;
        continue;
      }
      for (;;) {
        for (int i = 0; i < BATCH; i++) {
          iov[i].iov_base = bufs[i];
          iov[i].iov_len = sizeof bufs[i];
          in[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int got = recvmmsg(leg->fd, in, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) break;
        for (int i = 0; i < got; i++) {
          iov[i].iov_len = in[i].msg_len;
          relayed[i].msg_hdr = (struct msghdr){
              .msg_name = &leg->peer->phone, .msg_namelen = sizeof(struct sockaddr_in), .msg_iov = &iov[i], .msg_iovlen = 1};
          copies[i].msg_hdr = (struct msghdr){
              .msg_name = &leg->sink, .msg_namelen = sizeof(struct sockaddr_in), .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        sendmmsg(leg->peer->fd, relayed, got, 0);
        sendmmsg(leg->fd, copies, got, 0);
        if (got < BATCH) break;
      }
    }
  }
}

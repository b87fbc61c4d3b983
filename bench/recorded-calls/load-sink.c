/*
 * Load generator and sink of the recorded-call benchmarks (built at bench time with `cc -O2`,
 * pinned to core 1 with `taskset -c 1`):
 *   load-sink <base-port> <calls> <send-rr 0|1> [<rtcp-mux 0|1>]
 *
 * Written in C rather than Node for two reasons: latency is taken from the kernel's receive
 * timestamp (SO_TIMESTAMPNS, which Node's dgram cannot read), and the generator must stay far
 * below one core at 200+ recorded calls (37,400 receives/s + 18,700 sends/s) so that it never is
 * what saturates: a Node generator at that rate costs as much CPU as the relay it measures.
 *
 * Per call i it binds, on 127.0.0.1, six consecutive ports from base + 6*i:
 *   +0 party A's phone, +1 party B's phone (each sends 50 packets/s of 172-byte PCMU RTP to its
 *      leg and receives what the other party says on the same socket: the relay latches on the
 *      source port, symmetric RTP, RFC 4961),
 *   +2/+3 recorder stream 0 RTP/RTCP, +4/+5 recorder stream 1 RTP/RTCP (the ports the SIPREC
 *      recorder stub answers with; RTP on the even port, RTCP on the next, RFC 3550 §11). With
 *      rtcp-mux 1 (the stub answered a=rtcp-mux, RFC 5761) receiver reports leave from the RTP
 *      port to the engine's RTP port, and its sender reports arrive there (skipped as not PCMU).
 *
 * Commands on stdin, one per line; answers on stdout as JSON lines:
 *   legs <call> <legA-port> <legB-port>   where the phones of <call> send (connect())
 *   keys <call> <party> <tx-hex> <rx-hex> SDES-SRTP on that phone's leg (built with -DWITH_SRTP,
 *                                         libsrtp2): AES_CM_128_HMAC_SHA1_80 master key + salt
 *                                         (30 bytes, hex) it protects with, and the engine's
 *                                         that it unprotects what it receives with (RFC 3711)
 *   skey <call> <stream> <hex>            the engine's SDES key of recording stream 0|1 of <call>
 *                                         (from its SIPREC offer): its copies are unprotected
 *   start                                 start sending (every phone, unmeasured)
 *   tag <n>                               packets sent from now on carry tag n (1–15; 0 = not measured)
 *   report                                {"type":"report",...}: per tag counts and latencies
 *   pausecheck <t0-ns> <t1-ns> ...        {"type":"pausecheck",...}: per call, the last recorder
 *                                         packet's receive time, and how many came after t<call>
 *   quit
 * Every RTP payload starts with: magic "FKLN", call (u32), party (u8), tag (u8), 2 bytes pad,
 * send time (CLOCK_REALTIME ns, u64, the clock SO_TIMESTAMPNS stamps with).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_SRTP
#include <srtp2/srtp.h>
#endif

#define PAYLOAD 160
#define PACKET (12 + PAYLOAD)
#define TAGS 16 /* 0 = not measured; the pause bench uses 3 per round */
#define BUCKET_NS 10000ULL /* 10 µs */
#define BUCKETS 200000     /* up to 2 s */
#define SLOTS 20           /* 1 ms slots of the 20 ms packet period */
#define TAIL 64            /* recorder receive times kept per stream for the pause check */
#define BATCH 32
#define MAGIC 0x464b4c4eu

enum { KIND_RELAYED = 0, KIND_RECORDER = 1 };

struct phone {
  int fd;
  uint32_t call;
  uint8_t party;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  int connected;
#ifdef WITH_SRTP
  int srtp; /* 1 once keys are given: every packet sent is SRTP, every one received must be */
  srtp_t tx, rx;
#endif
};

struct sink {
  int fd, rtcp_fd;
  uint32_t call;
  /* continuity: RFC 3550 §5.1, per stream one SSRC, sequence +1, timestamp +160 per packet */
  int seen;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t ts;
  uint32_t cycles;
  uint64_t packets, ssrc_changes, seq_gaps, ts_jumps;
  uint64_t tail[TAIL];
  unsigned tail_next;
  struct sockaddr_in from; /* the relay's recording-stream address, for our RRs */
  uint32_t rr_ssrc;
#ifdef WITH_SRTP
  int srtp; /* 1 once the engine's key for this recording stream is given (skey) */
  srtp_t rx;
#endif
};

struct stats {
  uint64_t sent, received[2], misrouted, unprotect_failed, hist_total[2];
  uint32_t *hist[2];
  double max_ms[2];
};

/* epoll data: index << 2 | role (0 phone, 1 recorder stream RTP, 2 its RTCP); the timer and
 * stdin have ids of their own */
#define ID_TIMER UINT64_MAX
#define ID_STDIN (UINT64_MAX - 1)
static struct phone *phones;
static struct sink *sinks;
static struct stats stats[TAGS];
static int calls, send_rr, rr_mux;
static uint8_t current_tag;
static double max_send_lag_ms;

static uint64_t now_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int bind_port(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int one = 1, buf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    fprintf(stderr, "bind %d: %s\n", port, strerror(errno));
    exit(1);
  }
  return fd;
}

static void send_packet(struct phone *p) {
  uint8_t b[PACKET + 16]; /* room for the SRTP authentication tag */
  memset(b + 12, 0xff, PAYLOAD); /* µ-law silence */
  b[0] = 0x80;
  b[1] = p->seq == 0 ? 0x80 : 0x00; /* PCMU, marker on the first packet */
  b[2] = p->seq >> 8;
  b[3] = p->seq & 0xff;
  uint32_t ts = htonl(p->ts), ssrc = htonl(p->ssrc), magic = htonl(MAGIC), call = htonl(p->call);
  memcpy(b + 4, &ts, 4);
  memcpy(b + 8, &ssrc, 4);
  memcpy(b + 12, &magic, 4);
  memcpy(b + 16, &call, 4);
  b[20] = p->party;
  b[21] = current_tag;
  uint64_t sent = now_ns(CLOCK_REALTIME);
  memcpy(b + 24, &sent, 8);
  int len = PACKET;
#ifdef WITH_SRTP
  if (p->srtp && srtp_protect(p->tx, b, &len) != srtp_err_status_ok) {
    fprintf(stderr, "srtp_protect failed (call %u party %u)\n", p->call, p->party);
    exit(1);
  }
#endif
  if (send(p->fd, b, len, 0) == len && current_tag != 0) stats[current_tag].sent++;
  p->seq++;
  p->ts += PAYLOAD;
}

static void record_latency(uint8_t tag, int kind, uint64_t sent, uint64_t rx) {
  struct stats *s = &stats[tag];
  s->received[kind]++;
  double ms = rx > sent ? (double)(rx - sent) / 1e6 : 0;
  if (ms > s->max_ms[kind]) s->max_ms[kind] = ms;
  uint64_t bucket = rx > sent ? (rx - sent) / BUCKET_NS : 0;
  s->hist[kind][bucket < BUCKETS ? bucket : BUCKETS - 1]++;
  s->hist_total[kind]++;
}

static int parse(const uint8_t *b, ssize_t n, uint32_t *call, uint8_t *party, uint8_t *tag, uint64_t *sent) {
  uint32_t magic;
  if (n != PACKET) return 0;
  memcpy(&magic, b + 12, 4);
  if (ntohl(magic) != MAGIC) return 0;
  memcpy(call, b + 16, 4);
  *call = ntohl(*call);
  *party = b[20];
  *tag = b[21];
  memcpy(sent, b + 24, 8);
  return *tag < TAGS;
}

static void continuity(struct sink *s, const uint8_t *b, uint64_t rx) {
  uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);
  uint32_t ts, ssrc;
  memcpy(&ts, b + 4, 4);
  memcpy(&ssrc, b + 8, 4);
  ts = ntohl(ts);
  ssrc = ntohl(ssrc);
  if (s->seen && ssrc != s->ssrc) {
    s->ssrc_changes++;
    s->cycles = 0;
  } else if (s->seen) {
    uint16_t dseq = (uint16_t)(seq - s->seq);
    if (dseq != 1) s->seq_gaps++;
    if (ts - s->ts != (uint32_t)dseq * PAYLOAD) s->ts_jumps++;
    if (seq < s->seq && s->seq - seq > 32768) s->cycles += 65536;
  }
  s->seen = 1;
  s->ssrc = ssrc;
  s->seq = seq;
  s->ts = ts;
  s->packets++;
  s->tail[s->tail_next++ % TAIL] = rx;
}

static uint64_t rx_time(struct msghdr *h) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec t;
      memcpy(&t, CMSG_DATA(c), sizeof t);
      return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
    }
  }
  return now_ns(CLOCK_REALTIME); /* no kernel stamp: the earliest we can take */
}

#ifdef WITH_SRTP
/* What the engine relayed to a phone on an SRTP leg, unprotected in place; a failure is counted. */
static int unprotect(struct phone *p, uint8_t *b, ssize_t *len) {
  int n = (int)*len;
  if (srtp_unprotect(p->rx, b, &n) != srtp_err_status_ok) {
    stats[current_tag].unprotect_failed++;
    return 0;
  }
  *len = n;
  return 1;
}

static int hex_key(const char *hex, uint8_t *key) {
  if (strlen(hex) != 2 * SRTP_AES_ICM_128_KEY_LEN_WSALT) return 0;
  for (int i = 0; i < SRTP_AES_ICM_128_KEY_LEN_WSALT; i++)
    if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1) return 0;
  return 1;
}

static int srtp_session(srtp_t *session, const char *hex, srtp_ssrc_type_t direction) {
  static uint8_t key[SRTP_AES_ICM_128_KEY_LEN_WSALT];
  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (!hex_key(hex, key)) return 0;
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = direction;
  policy.key = key;
  policy.window_size = 1024;
  return srtp_create(session, &policy) == srtp_err_status_ok;
}
#endif

/* Drains one socket with recvmmsg. */
static void drain(int fd, struct phone *phone, struct sink *sink) {
  static uint8_t bufs[BATCH][2048];
  static char ctl[BATCH][64];
  static struct mmsghdr msgs[BATCH];
  static struct iovec iov[BATCH];
  static struct sockaddr_in from[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iov[i].iov_base = bufs[i];
      iov[i].iov_len = sizeof bufs[i];
      msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
                                        .msg_namelen = sizeof from[i],
                                        .msg_iov = &iov[i],
                                        .msg_iovlen = 1,
                                        .msg_control = ctl[i],
                                        .msg_controllen = sizeof ctl[i]};
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      uint64_t rx = rx_time(&msgs[i].msg_hdr);
      uint32_t call;
      uint8_t party, tag;
      uint64_t sent;
      ssize_t len = msgs[i].msg_len;
      if (sink != NULL) {
        if (len < 12 || (bufs[i][1] & 0x7f) != 0) continue; /* not our PCMU RTP */
        sink->from = from[i];
        continuity(sink, bufs[i], rx);
#ifdef WITH_SRTP
        if (sink->srtp) {
          int plain = (int)len;
          if (srtp_unprotect(sink->rx, bufs[i], &plain) != srtp_err_status_ok) {
            stats[current_tag].unprotect_failed++;
            continue;
          }
          len = plain;
        }
#endif
        if (parse(bufs[i], len, &call, &party, &tag, &sent) && tag != 0) record_latency(tag, KIND_RECORDER, sent, rx);
      } else if (
#ifdef WITH_SRTP
          /* RTCP (SRTCP) from the engine is not measured; RTP must authenticate with its key */
          !(phone->srtp && (len < 12 || (bufs[i][1] & 0x7f) != 0 || !unprotect(phone, bufs[i], &len))) &&
#endif
          parse(bufs[i], len, &call, &party, &tag, &sent)) {
        if (call != phone->call || party == phone->party) {
          if (tag != 0) stats[tag].misrouted++;
        } else if (tag != 0) {
          record_latency(tag, KIND_RELAYED, sent, rx);
        }
      }
    }
    if (n < BATCH) return;
  }
}

/*
 * RFC 3550 §6.4.2 receiver report with one report block (§6.4.1) per recorder stream, as a
 * recorder would send: the engine's recorder watch judges a recorder that reports by its reports.
 */
static void send_receiver_reports(void) {
  for (int i = 0; i < calls * 2; i++) {
    struct sink *s = &sinks[i];
    if (!s->seen) continue;
    uint8_t b[32];
    uint32_t words[8];
    words[0] = htonl(0x81c90007); /* V=2, RC=1, PT=201 RR, length 7 */
    words[1] = htonl(s->rr_ssrc);
    words[2] = htonl(s->ssrc);
    words[3] = htonl(0); /* fraction lost, cumulative lost */
    words[4] = htonl(s->cycles + s->seq);
    words[5] = words[6] = words[7] = 0; /* jitter, LSR, DLSR */
    memcpy(b, words, sizeof b);
    struct sockaddr_in to = s->from;
    if (!rr_mux) to.sin_port = htons(ntohs(s->from.sin_port) + 1);
    sendto(rr_mux ? s->fd : s->rtcp_fd, b, sizeof b, 0, (struct sockaddr *)&to, sizeof to);
  }
}

static double percentile(struct stats *s, int kind, double p) {
  uint64_t total = s->hist_total[kind];
  if (total == 0) return -1;
  uint64_t rank = (uint64_t)(total * p + 0.999999), seen = 0;
  if (rank == 0) rank = 1;
  for (int i = 0; i < BUCKETS; i++) {
    seen += s->hist[kind][i];
    if (seen >= rank) return (i + 1) * (BUCKET_NS / 1e6);
  }
  return -1;
}

static void report(double cpu_percent) {
  printf("{\"type\":\"report\",\"generatorCpuPercent\":%.2f,\"maxSendLagMs\":%.3f,\"tags\":[", cpu_percent, max_send_lag_ms);
  for (int t = 1; t < TAGS; t++) {
    struct stats *s = &stats[t];
    printf("%s{\"tag\":%d,\"sent\":%lu,\"relayed\":%lu,\"recorder\":%lu,\"misrouted\":%lu,\"unprotectFailed\":%lu",
           t > 1 ? "," : "", t, s->sent, s->received[0], s->received[1], s->misrouted, s->unprotect_failed);
    const char *names[2] = {"relayed", "recorder"};
    for (int k = 0; k < 2; k++)
      printf(",\"%sMs\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}", names[k], percentile(s, k, 0.5),
             percentile(s, k, 0.99), percentile(s, k, 0.999), s->max_ms[k]);
    printf("}");
  }
  uint64_t packets = 0, ssrc = 0, seq = 0, ts = 0, bad = 0, silent = 0;
  for (int i = 0; i < calls * 2; i++) {
    struct sink *s = &sinks[i];
    if (!phones[i].connected) continue; /* streams of calls not set up */
    packets += s->packets;
    ssrc += s->ssrc_changes;
    seq += s->seq_gaps;
    ts += s->ts_jumps;
    if (s->ssrc_changes + s->seq_gaps + s->ts_jumps > 0) bad++;
    if (s->packets == 0) silent++;
  }
  printf("],\"continuity\":{\"packets\":%lu,\"ssrcChanges\":%lu,\"seqGaps\":%lu,\"tsJumps\":%lu,"
         "\"streamsWithViolations\":%lu,\"silentStreams\":%lu}}\n",
         packets, ssrc, seq, ts, bad, silent);
  fflush(stdout);
}

static void pausecheck(char *args) {
  printf("{\"type\":\"pausecheck\",\"calls\":[");
  char *save = NULL;
  for (int c = 0; c < calls; c++) {
    char *word = strtok_r(c == 0 ? args : NULL, " \n", &save);
    uint64_t answered = word ? strtoull(word, NULL, 10) : 0, last = 0;
    unsigned after = 0;
    for (int k = 0; k < 2; k++) {
      struct sink *s = &sinks[c * 2 + k];
      for (int j = 0; j < TAIL; j++) {
        if (s->tail[j] > last) last = s->tail[j];
        if (answered != 0 && s->tail[j] > answered) after++;
      }
    }
    printf("%s{\"last\":%lu,\"after\":%u}", c ? "," : "", last, after);
  }
  printf("]}\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: load-sink <base-port> <calls> <send-rr 0|1> [<rtcp-mux 0|1>]\n");
    return 2;
  }
  int base = atoi(argv[1]);
  calls = atoi(argv[2]);
  send_rr = atoi(argv[3]);
  rr_mux = argc > 4 ? atoi(argv[4]) : 0;
#ifdef WITH_SRTP
  if (srtp_init() != srtp_err_status_ok) {
    fprintf(stderr, "srtp_init failed\n");
    return 1;
  }
#endif
  phones = calloc(calls * 2, sizeof *phones);
  sinks = calloc(calls * 2, sizeof *sinks);
  for (int t = 0; t < TAGS; t++)
    for (int k = 0; k < 2; k++) stats[t].hist[k] = calloc(BUCKETS, sizeof(uint32_t));
  int ep = epoll_create1(0);
  for (int c = 0; c < calls; c++) {
    for (int party = 0; party < 2; party++) {
      struct phone *p = &phones[c * 2 + party];
      p->fd = bind_port(base + 6 * c + party);
      p->call = c;
      p->party = party;
      p->ssrc = 0x10000 + c * 2 + party;
      struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)(c * 2 + party) << 2};
      epoll_ctl(ep, EPOLL_CTL_ADD, p->fd, &e);
      struct sink *s = &sinks[c * 2 + party];
      s->fd = bind_port(base + 6 * c + 2 + 2 * party);
      s->rtcp_fd = bind_port(base + 6 * c + 3 + 2 * party);
      s->call = c;
      s->rr_ssrc = 0x20000 + c * 2 + party;
      struct epoll_event es = {.events = EPOLLIN, .data.u64 = ((uint64_t)(c * 2 + party) << 2) | 1};
      epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &es);
      /* the engine's sender reports land here: read and dropped */
      struct epoll_event er = {.events = EPOLLIN, .data.u64 = ((uint64_t)(c * 2 + party) << 2) | 2};
      epoll_ctl(ep, EPOLL_CTL_ADD, s->rtcp_fd, &er);
    }
  }
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event et = {.events = EPOLLIN, .data.u64 = ID_TIMER};
  epoll_ctl(ep, EPOLL_CTL_ADD, timer, &et);
  struct epoll_event ei = {.events = EPOLLIN, .data.u64 = ID_STDIN};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ei);
  printf("{\"type\":\"bound\"}\n");
  fflush(stdout);

  /* Phones spread evenly over the 20 ms period, as calls started at random moments would be. */
  int streams = calls * 2, slot = 0, running = 0;
  uint64_t slot_due = 0, next_rr = 0;
  struct rusage ru0;
  uint64_t wall0 = now_ns(CLOCK_MONOTONIC);
  getrusage(RUSAGE_SELF, &ru0);
  static char line[1 << 16];
  size_t line_len = 0;
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      uint64_t id = events[i].data.u64;
      if (id == ID_TIMER) {
        uint64_t expirations;
        if (read(timer, &expirations, sizeof expirations) < 0) continue;
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        while (running && slot_due <= now) {
          double lag = (double)(now - slot_due) / 1e6;
          if (current_tag != 0 && lag > max_send_lag_ms) max_send_lag_ms = lag;
          for (int s = slot * streams / SLOTS; s < (slot + 1) * streams / SLOTS; s++)
            if (phones[s].connected) send_packet(&phones[s]);
          slot = (slot + 1) % SLOTS;
          slot_due += 1000000ULL;
        }
        if (send_rr && running && now >= next_rr) {
          send_receiver_reports();
          next_rr = now + 1000000000ULL;
        }
      } else if (id == ID_STDIN) {
        ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
        if (r <= 0) return 0;
        line_len += r;
        char *nl;
        while ((nl = memchr(line, '\n', line_len)) != NULL) {
          *nl = 0;
          int c, a, b, tag;
          if (sscanf(line, "legs %d %d %d", &c, &a, &b) == 3 && c < calls) {
            for (int party = 0; party < 2; party++) {
              struct sockaddr_in to = {.sin_family = AF_INET,
                                       .sin_port = htons(party ? b : a),
                                       .sin_addr.s_addr = htonl(0x7f000001)};
              connect(phones[c * 2 + party].fd, (struct sockaddr *)&to, sizeof to);
              phones[c * 2 + party].connected = 1;
            }
#ifdef WITH_SRTP
          } else if (strncmp(line, "keys ", 5) == 0) {
            static char tx[128], rx[128];
            int party;
            if (sscanf(line, "keys %d %d %127s %127s", &c, &party, tx, rx) != 4 || c >= calls || party < 0 || party > 1) {
              fprintf(stderr, "bad keys command: %s\n", line);
              exit(1);
            }
            struct phone *p = &phones[c * 2 + party];
            if (!srtp_session(&p->tx, tx, ssrc_any_outbound) || !srtp_session(&p->rx, rx, ssrc_any_inbound)) {
              fprintf(stderr, "bad SRTP key for call %d party %d\n", c, party);
              exit(1);
            }
            p->srtp = 1;
          } else if (strncmp(line, "skey ", 5) == 0) {
            static char key[128];
            int stream;
            if (sscanf(line, "skey %d %d %127s", &c, &stream, key) != 3 || c >= calls || stream < 0 || stream > 1) {
              fprintf(stderr, "bad skey command: %s\n", line);
              exit(1);
            }
            struct sink *k = &sinks[c * 2 + stream];
            if (!srtp_session(&k->rx, key, ssrc_any_inbound)) {
              fprintf(stderr, "bad SRTP key for call %d stream %d\n", c, stream);
              exit(1);
            }
            k->srtp = 1;
#endif
          } else if (strcmp(line, "start") == 0) {
            running = 1;
            slot_due = now_ns(CLOCK_MONOTONIC);
            struct itimerspec its = {.it_interval = {0, 1000000}, .it_value = {0, 1000000}};
            timerfd_settime(timer, 0, &its, NULL);
          } else if (sscanf(line, "tag %d", &tag) == 1 && tag >= 0 && tag < TAGS) {
            if (current_tag == 0 && tag != 0) {
              getrusage(RUSAGE_SELF, &ru0);
              wall0 = now_ns(CLOCK_MONOTONIC);
            }
            current_tag = (uint8_t)tag;
          } else if (strcmp(line, "report") == 0) {
            struct rusage ru1;
            getrusage(RUSAGE_SELF, &ru1);
            double cpu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                         (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
            report(100.0 * cpu / ((double)(now_ns(CLOCK_MONOTONIC) - wall0) / 1e9));
          } else if (strncmp(line, "pausecheck", 10) == 0) {
            pausecheck(line + 10);
          } else if (strcmp(line, "quit") == 0) {
            return 0;
          }
          line_len -= (nl + 1 - line);
          memmove(line, nl + 1, line_len);
        }
      } else if ((id & 3) == 1) {
        struct sink *s = &sinks[id >> 2];
        drain(s->fd, NULL, s);
      } else if ((id & 3) == 2) {
        char scratch[2048];
        while (recv(sinks[id >> 2].rtcp_fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
          /* the relay's RTCP sender reports: read and dropped */
        }
      } else {
        struct phone *p = &phones[id >> 2];
        drain(p->fd, p, NULL);
      }
    }
  }
}

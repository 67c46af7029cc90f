/*
 * pw_client.c: connection, call table, dispatch and unary calls of the C client
 * (see include/pixwizard_client.h for the contract).
 *
 * A call lives in the client's list from its start until the server's Status frame for it
 * arrives (or the connection ends). "done" is what the user sees; a call can be done locally
 * (timeout, cancel on free) while the list still waits for the server's Status so that late
 * frames for its id are recognised and dropped. Calls the user owns leave the list when the
 * server finishes them and stay valid until pw_call_free(); internal calls (Cancel requests,
 * abandoned calls) are freed by the client.
 */
#define _POSIX_C_SOURCE 200809L

#include "pixwizard_client.h"
#include "pw_frame.h"
#include "pixwizard/v1/pixwizard.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* proto3 `optional` scalars: scripts/gen-protos.sh hands protoc-c 1.4.1 each one as its
 * synthetic one-field oneof, so presence is the `_<field>_case` member. */
#define PW_SET_OPTIONAL_FLOAT(msg, field, FIELD, has, value) \
  do { \
    if (has) { \
      (msg)._##field##_case = PIXWIZARD__V1__GENERATE_REQUEST___##FIELD##_##FIELD; \
      (msg).field = (value); \
    } \
  } while (0)

#define PW_DEFAULT_MAX_FRAME (256ull * 1024 * 1024)
#define PW_DEFAULT_CONNECT_TIMEOUT_MS 10000u

typedef enum pw_call_kind {
  PW_KIND_HEALTH,
  PW_KIND_SERVER_INFO,
  PW_KIND_LIST_MODELS,
  PW_KIND_LOAD_MODEL,
  PW_KIND_UNLOAD_MODEL,
  PW_KIND_CANCEL,
  PW_KIND_GENERATE
} pw_call_kind;

struct pw_call {
  pw_client *client;  /* NULL once the call left the client's list */
  pw_call *next;
  uint64_t id;
  pw_call_kind kind;
  bool done;          /* the user-visible end (status set, on_status fired) */
  bool user_owned;    /* false: the client frees it when the server finishes it */
  bool cancel_sent;
  int64_t deadline_ns;/* 0: none */
  pw_status status;
  pw_generate_callbacks cb;
  Pixwizard__V1__ServerFrame *reply; /* unary: the reply frame, owned */
};

struct pw_client {
  int fd;
  char *token;
  uint64_t next_id;
  uint64_t max_frame;
  uint32_t call_timeout_ms;
  bool broken;
  pw_status broken_status;
  pw_frame_decoder decoder;
  pw_call *calls;
  char note[256]; /* the last connection-level Status (call id 0): why the daemon hangs up */
};

/* ------------------------------------------------------------------ small helpers */

static void set_status(pw_status *st, int code, const char *fmt, ...) {
  if (!st) return;
  st->code = (pw_status_code)code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->message, sizeof st->message, fmt, ap);
  va_end(ap);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *pw_status_code_name(int code) {
  switch (code) {
    case PW_STATUS_OK: return "OK";
    case PW_STATUS_CANCELLED: return "CANCELLED";
    case PW_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case PW_STATUS_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case PW_STATUS_NOT_FOUND: return "NOT_FOUND";
    case PW_STATUS_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case PW_STATUS_INTERNAL: return "INTERNAL";
    case PW_STATUS_UNAVAILABLE: return "UNAVAILABLE";
    case PW_STATUS_UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

const char *pw_stage_name(int stage) {
  switch (stage) {
    case PW_STAGE_LOAD: return "load";
    case PW_STAGE_PREPROCESS: return "preprocess";
    case PW_STAGE_ENCODE_TEXT: return "encode_text";
    case PW_STAGE_ENCODE_IMAGE: return "encode_image";
    case PW_STAGE_DENOISE: return "denoise";
    case PW_STAGE_DECODE: return "decode";
    default: return "unspecified";
  }
}

static char *dup_str(const char *s) {
  if (!s) s = "";
  size_t n = strlen(s);
  char *d = (char *)malloc(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

/* ------------------------------------------------------------------ call list */

static void unlink_call(pw_client *c, pw_call *call) {
  for (pw_call **p = &c->calls; *p; p = &(*p)->next) {
    if (*p == call) { *p = call->next; break; }
  }
  call->next = NULL;
  call->client = NULL;
}

static pw_call *find_call(pw_client *c, uint64_t id) {
  for (pw_call *k = c->calls; k; k = k->next)
    if (k->id == id) return k;
  return NULL;
}

static void free_call_memory(pw_call *call) {
  if (call->reply) protobuf_c_message_free_unpacked(&call->reply->base, NULL);
  free(call);
}

/* The user-visible end of a call: once. */
static void finish_call(pw_call *call, int code, const char *message) {
  if (call->done) return;
  call->done = true;
  call->status.code = (pw_status_code)code;
  snprintf(call->status.message, sizeof call->status.message, "%s", message ? message : "");
  if (call->kind == PW_KIND_GENERATE && call->cb.on_status) call->cb.on_status(call, &call->status, call->cb.user);
}

/* The server finished the call (or the connection ended): it leaves the list. */
static void retire_call(pw_client *c, pw_call *call) {
  unlink_call(c, call);
  if (!call->user_owned) free_call_memory(call);
}

static void fail_connection(pw_client *c, int code, const char *fmt, ...) {
  if (c->broken) return;
  c->broken = true;
  c->broken_status.code = (pw_status_code)code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->broken_status.message, sizeof c->broken_status.message, fmt, ap);
  va_end(ap);
  if (c->fd >= 0) { close(c->fd); c->fd = -1; }
  pw_frame_decoder_free(&c->decoder);
  /* Detach the list first: callbacks may start calls (refused now) or cancel (a no-op). */
  pw_call *list = c->calls;
  c->calls = NULL;
  while (list) {
    pw_call *call = list;
    list = call->next;
    call->next = NULL;
    call->client = NULL;
    finish_call(call, code, c->broken_status.message);
    if (!call->user_owned) free_call_memory(call);
  }
}

/* ------------------------------------------------------------------ sending */

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        (void)poll(&pfd, 1, 1000);
        continue;
      }
      return -1;
    }
    p += (size_t)w;
    n -= (size_t)w;
  }
  return 0;
}

/* Packs, frames and writes one ClientFrame. On failure the connection is failed. */
static int send_client_frame(pw_client *c, Pixwizard__V1__ClientFrame *frame, pw_status *st) {
  if (c->broken) {
    if (st) *st = c->broken_status;
    return -1;
  }
  if (c->token) frame->token = c->token;
  size_t n = protobuf_c_message_get_packed_size(&frame->base);
  uint8_t *payload = (uint8_t *)malloc(n ? n : 1);
  if (!payload) { set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory packing a %zu-byte frame", n); return -1; }
  protobuf_c_message_pack(&frame->base, payload);
  uint8_t *bytes = NULL;
  size_t len = 0;
  int rc = pw_frame_encode(payload, n, 0, &bytes, &len);
  free(payload);
  if (rc != 0) { set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "cannot frame a %zu-byte message", n); return -1; }
  if (write_all(c->fd, bytes, len) != 0) {
    int e = errno;
    free(bytes);
    fail_connection(c, PW_STATUS_UNAVAILABLE, "writing to the daemon failed: %s", strerror(e));
    if (st) *st = c->broken_status;
    return -1;
  }
  free(bytes);
  return 0;
}

static pw_call *new_call(pw_client *c, pw_call_kind kind, bool user_owned, uint32_t timeout_ms) {
  pw_call *call = (pw_call *)calloc(1, sizeof *call);
  if (!call) return NULL;
  call->client = c;
  call->id = c->next_id++;
  call->kind = kind;
  call->user_owned = user_owned;
  if (timeout_ms) call->deadline_ns = now_ns() + (int64_t)timeout_ms * 1000000;
  call->next = c->calls;
  c->calls = call;
  return call;
}

/* Registers the call, then sends the frame with its id; NULL (status set) on failure. */
static pw_call *start_call(pw_client *c, pw_call_kind kind, bool user_owned, uint32_t timeout_ms,
                           Pixwizard__V1__ClientFrame *frame, pw_status *st) {
  if (c->broken) {
    if (st) *st = c->broken_status;
    return NULL;
  }
  /* Owned by this function until the frame is sent, so that a failing send cannot free it. */
  pw_call *call = new_call(c, kind, true, timeout_ms);
  if (!call) { set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory"); return NULL; }
  frame->call_id = call->id;
  if (send_client_frame(c, frame, st) != 0) {
    if (call->client) unlink_call(c, call);
    free_call_memory(call);
    return NULL;
  }
  call->user_owned = user_owned;
  return call;
}

static int send_cancel(pw_client *c, uint64_t target) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__CancelRequest req = PIXWIZARD__V1__CANCEL_REQUEST__INIT;
  req.target_call_id = target;
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_CANCEL;
  frame.cancel = &req;
  pw_status st;
  return start_call(c, PW_KIND_CANCEL, false, 0, &frame, &st) ? 0 : -1;
}

/* ------------------------------------------------------------------ connecting */

static pw_client *new_client(int fd, const pw_connect_options *o, pw_status *st) {
  pw_client *c = (pw_client *)calloc(1, sizeof *c);
  if (!c) { close(fd); set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory"); return NULL; }
  c->fd = fd;
  c->next_id = 1;
  c->max_frame = o->max_frame_bytes ? o->max_frame_bytes : PW_DEFAULT_MAX_FRAME;
  c->call_timeout_ms = o->call_timeout_ms;
  if (o->token && o->token[0]) {
    c->token = dup_str(o->token);
    if (!c->token) { close(fd); free(c); set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory"); return NULL; }
  }
  pw_frame_decoder_init(&c->decoder, c->max_frame);
  set_status(st, PW_STATUS_OK, "");
  return c;
}

static int connect_with_timeout(int fd, const struct sockaddr *addr, socklen_t len, uint32_t timeout_ms) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
  int rc = connect(fd, addr, len);
  if (rc != 0 && errno == EINPROGRESS) {
    struct pollfd pfd = {fd, POLLOUT, 0};
    do { rc = poll(&pfd, 1, (int)timeout_ms); } while (rc < 0 && errno == EINTR);
    if (rc == 0) { errno = ETIMEDOUT; return -1; }
    if (rc < 0) return -1;
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) return -1;
    if (err != 0) { errno = err; return -1; }
    rc = 0;
  }
  if (rc != 0) return -1;
  if (fcntl(fd, F_SETFL, flags) < 0) return -1;
  return 0;
}

pw_client *pw_client_connect(const pw_connect_options *o, pw_status *st) {
  if (!o) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no connect options"); return NULL; }
  uint32_t timeout = o->connect_timeout_ms ? o->connect_timeout_ms : PW_DEFAULT_CONNECT_TIMEOUT_MS;
  if (o->unix_path) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(o->unix_path) >= sizeof sa.sun_path || o->unix_path[0] == '\0') {
      set_status(st, PW_STATUS_INVALID_ARGUMENT, "Unix socket path is empty or longer than %zu bytes", sizeof sa.sun_path - 1);
      return NULL;
    }
    memcpy(sa.sun_path, o->unix_path, strlen(o->unix_path));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) { set_status(st, PW_STATUS_UNAVAILABLE, "socket: %s", strerror(errno)); return NULL; }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (connect_with_timeout(fd, (struct sockaddr *)&sa, (socklen_t)sizeof sa, timeout) != 0) {
      set_status(st, PW_STATUS_UNAVAILABLE, "cannot connect to %s: %s (is `pixwizard serve` running?)", o->unix_path, strerror(errno));
      close(fd);
      return NULL;
    }
    return new_client(fd, o, st);
  }
  const char *host = o->host && o->host[0] ? o->host : "127.0.0.1";
  if (o->port == 0) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no Unix path and no TCP port given"); return NULL; }
  char port[16];
  snprintf(port, sizeof port, "%u", (unsigned)o->port);
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, port, &hints, &res);
  if (gai != 0) { set_status(st, PW_STATUS_UNAVAILABLE, "cannot resolve %s: %s", host, gai_strerror(gai)); return NULL; }
  int fd = -1, last_err = 0;
  for (struct addrinfo *a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) { last_err = errno; continue; }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (connect_with_timeout(fd, a->ai_addr, a->ai_addrlen, timeout) == 0) break;
    last_err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    set_status(st, PW_STATUS_UNAVAILABLE, "cannot connect to %s:%s: %s (is `pixwizard serve` running?)", host, port, strerror(last_err));
    return NULL;
  }
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return new_client(fd, o, st);
}

char *pw_default_socket_path(char *buf, size_t n) {
  if (!buf || n == 0) return buf;
  const char *env = getenv("PIXWIZARD_SOCKET");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  struct stat sb;
  if (env && env[0]) snprintf(buf, n, "%s", env);
  else if (xdg && xdg[0] && stat(xdg, &sb) == 0 && S_ISDIR(sb.st_mode)) snprintf(buf, n, "%s/pixwizard.sock", xdg);
  else snprintf(buf, n, "/tmp/pixwizard-%u.sock", (unsigned)getuid());
  return buf;
}

pw_client *pw_client_connect_unix(const char *path, pw_status *st) {
  pw_connect_options o;
  memset(&o, 0, sizeof o);
  o.unix_path = path;
  if (!path) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no Unix socket path"); return NULL; }
  return pw_client_connect(&o, st);
}

pw_client *pw_client_connect_tcp(const char *host, uint16_t port, const char *token, pw_status *st) {
  pw_connect_options o;
  memset(&o, 0, sizeof o);
  o.host = host;
  o.port = port;
  o.token = token;
  return pw_client_connect(&o, st);
}

void pw_client_close(pw_client *c) {
  if (!c) return;
  if (c->fd >= 0) { close(c->fd); c->fd = -1; }
  if (!c->broken) {
    c->broken = true;
    set_status(&c->broken_status, PW_STATUS_CANCELLED, "the client was closed");
  }
  pw_call *list = c->calls;
  c->calls = NULL;
  while (list) {
    pw_call *call = list;
    list = call->next;
    call->next = NULL;
    call->client = NULL;
    finish_call(call, PW_STATUS_CANCELLED, "the client was closed");
    if (!call->user_owned) free_call_memory(call);
  }
  pw_frame_decoder_free(&c->decoder);
  free(c->token);
  free(c);
}

size_t pw_client_open_calls(const pw_client *c) {
  size_t n = 0;
  if (!c) return 0;
  for (const pw_call *k = c->calls; k; k = k->next)
    if (!k->done && k->kind != PW_KIND_CANCEL) n++;
  return n;
}

/* ------------------------------------------------------------------ receiving */

static void fail_generate(pw_call *call, const char *what) {
  pw_client *c = call->client;
  finish_call(call, PW_STATUS_INTERNAL, what);
  if (c && !call->cancel_sent && !c->broken) {
    call->cancel_sent = true;
    (void)send_cancel(c, call->id);
  }
}

static void dispatch_preview(pw_call *call, const Pixwizard__V1__Preview *p, uint64_t max_frame) {
  if (!call->cb.on_preview) return;
  if (p->format != PIXWIZARD__V1__PIXEL_FORMAT__PIXEL_FORMAT_RGB8 || p->width == 0 || p->height == 0) {
    fail_generate(call, "server sent a preview with an unknown pixel format or no size");
    return;
  }
  uint64_t need = (uint64_t)p->width * (uint64_t)p->height * 3u;
  if (need > max_frame || need > (uint64_t)SIZE_MAX) {
    fail_generate(call, "server sent a preview larger than the client accepts");
    return;
  }
  uint8_t *rgb = NULL;
  size_t len = 0;
  if (p->codec == PIXWIZARD__V1__PREVIEW_CODEC__PREVIEW_CODEC_ZSTD) {
    if (pw_zstd_decompress(p->data.data, p->data.len, need, &rgb, &len) != 0 || len != need) {
      free(rgb);
      fail_generate(call, "server sent a preview whose zstd data does not decode to width*height*3 bytes");
      return;
    }
  } else if (p->codec == PIXWIZARD__V1__PREVIEW_CODEC__PREVIEW_CODEC_UNSPECIFIED && p->data.len == need) {
    rgb = NULL; /* raw pixels, used in place */
  } else {
    fail_generate(call, "server sent a preview with an unknown codec or a wrong size");
    return;
  }
  pw_preview pv;
  pv.step = p->step;
  pv.total = p->total;
  pv.t = p->t;
  pv.width = p->width;
  pv.height = p->height;
  pv.rgb = rgb ? rgb : p->data.data;
  pv.rgb_len = (size_t)need;
  call->cb.on_preview(call, &pv, call->cb.user);
  free(rgb);
}

static void dispatch_generate(pw_call *call, const Pixwizard__V1__ServerFrame *f, uint64_t max_frame) {
  const pw_generate_callbacks *cb = &call->cb;
  switch (f->body_case) {
    case PIXWIZARD__V1__SERVER_FRAME__BODY_ACCEPTED:
      if (cb->on_accepted && f->accepted) {
        pw_accepted a = {f->accepted->job_id, f->accepted->seed, f->accepted->width, f->accepted->height, f->accepted->steps};
        cb->on_accepted(call, &a, cb->user);
      }
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_QUEUE_POSITION:
      if (cb->on_queue_position && f->queue_position) cb->on_queue_position(call, f->queue_position->position, cb->user);
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_STAGES:
      if (cb->on_stages && f->stages) {
        size_t n = f->stages->n_stages;
        pw_stage *s = (pw_stage *)malloc((n ? n : 1) * sizeof *s);
        if (!s) { fail_generate(call, "out of memory"); break; }
        for (size_t i = 0; i < n; i++) s[i] = (pw_stage)f->stages->stages[i];
        cb->on_stages(call, s, n, cb->user);
        free(s);
      }
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_PROGRESS:
      if (cb->on_progress && f->progress)
        cb->on_progress(call, (pw_stage)f->progress->stage, f->progress->step, f->progress->total, cb->user);
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_PREVIEW:
      if (f->preview) dispatch_preview(call, f->preview, max_frame);
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_RESULT:
      if (cb->on_result && f->result) {
        pw_result r = {f->result->png.data, f->result->png.len, f->result->width, f->result->height};
        cb->on_result(call, &r, cb->user);
      }
      break;
    case PIXWIZARD__V1__SERVER_FRAME__BODY_SUMMARY:
      if (cb->on_summary && f->summary) {
        const Pixwizard__V1__Summary *sm = f->summary;
        size_t n = sm->n_timings;
        pw_stage_timing *t = (pw_stage_timing *)malloc((n ? n : 1) * sizeof *t);
        if (!t) { fail_generate(call, "out of memory"); break; }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
          if (!sm->timings[i]) continue;
          t[k].stage = (pw_stage)sm->timings[i]->stage;
          t[k].seconds = sm->timings[i]->seconds;
          k++;
        }
        pw_summary s = {k, t, sm->total_seconds, sm->queue_seconds, sm->seed, sm->steps};
        cb->on_summary(call, &s, cb->user);
        free(t);
      }
      break;
    default:
      break; /* a frame type this client does not know (added later) is ignored */
  }
}

static int expected_reply(pw_call_kind kind) {
  switch (kind) {
    case PW_KIND_HEALTH: return PIXWIZARD__V1__SERVER_FRAME__BODY_HEALTH;
    case PW_KIND_SERVER_INFO: return PIXWIZARD__V1__SERVER_FRAME__BODY_SERVER_INFO;
    case PW_KIND_LIST_MODELS: return PIXWIZARD__V1__SERVER_FRAME__BODY_LIST_MODELS;
    case PW_KIND_LOAD_MODEL: return PIXWIZARD__V1__SERVER_FRAME__BODY_LOAD_MODEL;
    case PW_KIND_UNLOAD_MODEL: return PIXWIZARD__V1__SERVER_FRAME__BODY_UNLOAD_MODEL;
    case PW_KIND_CANCEL: return PIXWIZARD__V1__SERVER_FRAME__BODY_CANCEL;
    default: return -1;
  }
}

/* Handles one complete frame. Returns 0, or -1 when the connection had to be failed. */
static int process_frame(pw_client *c, uint8_t flags, uint8_t *payload, size_t len) {
  uint8_t *plain = payload;
  size_t plain_len = len;
  if (flags & PW_FRAME_FLAG_ZSTD) {
    if (pw_zstd_decompress(payload, len, c->max_frame, &plain, &plain_len) != 0) {
      free(payload);
      fail_connection(c, PW_STATUS_INTERNAL, "protocol error: the daemon sent a zstd frame that does not decompress within %llu bytes",
                      (unsigned long long)c->max_frame);
      return -1;
    }
    free(payload);
  }
  Pixwizard__V1__ServerFrame *f = pixwizard__v1__server_frame__unpack(NULL, plain_len, plain);
  free(plain);
  if (!f) {
    fail_connection(c, PW_STATUS_INTERNAL, "protocol error: the daemon sent a frame that is not a ServerFrame");
    return -1;
  }
  if (f->call_id == 0 && f->body_case == PIXWIZARD__V1__SERVER_FRAME__BODY_STATUS && f->status && f->status->message)
    snprintf(c->note, sizeof c->note, "%s: %s", pw_status_code_name((int)f->status->code), f->status->message);
  pw_call *call = find_call(c, f->call_id);
  if (!call) {
    /* Unknown id (or a connection-level frame with id 0): nothing waits for it. */
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return 0;
  }
  if (f->body_case == PIXWIZARD__V1__SERVER_FRAME__BODY_STATUS) {
    int code = f->status ? (int)f->status->code : PW_STATUS_INTERNAL;
    const char *msg = f->status && f->status->message ? f->status->message : "status frame without a body";
    if (!call->done) {
      int want = expected_reply(call->kind);
      if (code == PW_STATUS_OK && want >= 0 && call->kind != PW_KIND_CANCEL && !call->reply)
        finish_call(call, PW_STATUS_INTERNAL, "protocol error: the daemon ended the call OK without a reply");
      else
        finish_call(call, code, msg);
    }
    protobuf_c_message_free_unpacked(&f->base, NULL);
    retire_call(c, call);
    return 0;
  }
  if (call->done) {
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return 0;
  }
  if (call->kind == PW_KIND_GENERATE) {
    dispatch_generate(call, f, c->max_frame);
    protobuf_c_message_free_unpacked(&f->base, NULL);
    return 0;
  }
  if ((int)f->body_case == expected_reply(call->kind) && !call->reply) {
    call->reply = f; /* kept until the Status */
    return 0;
  }
  protobuf_c_message_free_unpacked(&f->base, NULL); /* unexpected for this call: ignored */
  return 0;
}

static void expire_deadlines(pw_client *c) {
  int64_t now = now_ns();
  for (pw_call *k = c->calls; k; k = k->next) {
    if (k->done || k->deadline_ns == 0 || now < k->deadline_ns) continue;
    finish_call(k, PW_STATUS_DEADLINE_EXCEEDED, "the call timed out on the client");
    if (!k->cancel_sent && k->kind != PW_KIND_CANCEL) {
      k->cancel_sent = true;
      if (send_cancel(c, k->id) != 0) return; /* the connection failed: the list is gone */
    }
  }
}

static int earliest_deadline_ms(const pw_client *c, int timeout_ms) {
  int64_t best = -1;
  int64_t now = now_ns();
  for (const pw_call *k = c->calls; k; k = k->next) {
    if (k->done || k->deadline_ns == 0) continue;
    int64_t left = (k->deadline_ns - now + 999999) / 1000000;
    if (left < 0) left = 0;
    if (best < 0 || left < best) best = left;
  }
  if (best < 0) return timeout_ms;
  if (timeout_ms < 0 || best < timeout_ms) return (int)(best > 2000000000 ? 2000000000 : best);
  return timeout_ms;
}

int pw_client_pump(pw_client *c, int timeout_ms, pw_status *st) {
  if (!c) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no client"); return -1; }
  if (c->broken) { if (st) *st = c->broken_status; return -1; }
  expire_deadlines(c);
  if (c->broken) { if (st) *st = c->broken_status; return -1; }
  struct pollfd pfd = {c->fd, POLLIN, 0};
  int rc = poll(&pfd, 1, earliest_deadline_ms(c, timeout_ms));
  if (rc < 0 && errno != EINTR) {
    fail_connection(c, PW_STATUS_UNAVAILABLE, "poll: %s", strerror(errno));
    if (st) *st = c->broken_status;
    return -1;
  }
  int frames = 0;
  if (rc > 0) {
    uint8_t buf[65536];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n == 0) {
      if (c->note[0]) fail_connection(c, PW_STATUS_UNAVAILABLE, "the daemon closed the connection (%s)", c->note);
      else fail_connection(c, PW_STATUS_UNAVAILABLE, "the daemon closed the connection");
    } else if (n < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
        fail_connection(c, PW_STATUS_UNAVAILABLE, "reading from the daemon failed: %s", strerror(errno));
    } else {
      size_t used = 0;
      while (used < (size_t)n && !c->broken) {
        size_t k = 0;
        pw_frame_result r = pw_frame_decoder_feed(&c->decoder, buf + used, (size_t)n - used, &k);
        used += k;
        if (r == PW_FRAME_READY) {
          uint8_t flags = 0, *payload = NULL;
          size_t len = 0;
          pw_frame_decoder_take(&c->decoder, &flags, &payload, &len);
          frames++;
          if (process_frame(c, flags, payload, len) != 0) break;
        } else if (r == PW_FRAME_ERR_FLAGS) {
          fail_connection(c, PW_STATUS_INTERNAL, "protocol error: the daemon sent a frame with reserved flag bits set");
        } else if (r == PW_FRAME_ERR_TOO_LARGE) {
          fail_connection(c, PW_STATUS_INTERNAL, "protocol error: the daemon announced a frame of more than %llu bytes",
                          (unsigned long long)c->max_frame);
        } else if (r == PW_FRAME_ERR_NOMEM) {
          fail_connection(c, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory receiving a frame");
        }
      }
    }
  }
  if (!c->broken) expire_deadlines(c);
  if (c->broken) { if (st) *st = c->broken_status; return -1; }
  set_status(st, PW_STATUS_OK, "");
  return frames;
}

/* ------------------------------------------------------------------ calls */

bool pw_call_done(const pw_call *call) { return call ? call->done : true; }
uint64_t pw_call_id(const pw_call *call) { return call ? call->id : 0; }
const pw_status *pw_call_status(const pw_call *call) { return call ? &call->status : NULL; }

bool pw_call_wait(pw_call *call, int timeout_ms, pw_status *st) {
  if (!call) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no call"); return true; }
  int64_t end = timeout_ms >= 0 ? now_ns() + (int64_t)timeout_ms * 1000000 : 0;
  while (!call->done && call->client) {
    int left = -1;
    if (timeout_ms >= 0) {
      int64_t rem = (end - now_ns()) / 1000000;
      if (rem <= 0) break;
      left = (int)rem;
    }
    if (pw_client_pump(call->client, left, NULL) < 0) break;
  }
  if (call->done && st) *st = call->status;
  return call->done;
}

pw_status_code pw_call_cancel(pw_call *call) {
  if (!call) return PW_STATUS_INVALID_ARGUMENT;
  if (call->done || call->cancel_sent) return PW_STATUS_OK;
  pw_client *c = call->client;
  if (!c || c->broken) return PW_STATUS_UNAVAILABLE;
  call->cancel_sent = true;
  return send_cancel(c, call->id) == 0 ? PW_STATUS_OK : PW_STATUS_UNAVAILABLE;
}

void pw_call_free(pw_call *call) {
  if (!call) return;
  if (!call->client) { free_call_memory(call); return; }
  /* Still listed: the server has not finished it. Abandon it to the client. */
  if (!call->done) {
    (void)pw_call_cancel(call);
    if (!call->client) { free_call_memory(call); return; } /* the cancel failed the connection */
    call->cb.on_status = NULL;
    finish_call(call, PW_STATUS_CANCELLED, "the call was freed before it finished");
  }
  call->user_owned = false;
}

/* Runs one unary call to its end; returns its status code and hands the reply frame over. */
static pw_status_code unary(pw_client *c, Pixwizard__V1__ClientFrame *frame, pw_call_kind kind,
                            Pixwizard__V1__ServerFrame **reply, pw_status *st) {
  pw_status local;
  if (!st) st = &local;
  *reply = NULL;
  if (!c) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no client"); return st->code; }
  pw_call *call = start_call(c, kind, true, c->call_timeout_ms, frame, st);
  if (!call) return st->code;
  pw_call_wait(call, -1, NULL);
  if (!call->done) finish_call(call, PW_STATUS_UNAVAILABLE, c->broken ? c->broken_status.message : "the call did not finish");
  *st = call->status;
  if (call->status.code == PW_STATUS_OK) {
    *reply = call->reply;
    call->reply = NULL;
  }
  pw_call_free(call);
  return st->code;
}

pw_status_code pw_health(pw_client *c, bool *serving, pw_status *st) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__HealthRequest req = PIXWIZARD__V1__HEALTH_REQUEST__INIT;
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_HEALTH;
  frame.health = &req;
  Pixwizard__V1__ServerFrame *r = NULL;
  pw_status_code code = unary(c, &frame, PW_KIND_HEALTH, &r, st);
  if (code == PW_STATUS_OK && serving) *serving = r->health ? r->health->serving != 0 : false;
  if (r) protobuf_c_message_free_unpacked(&r->base, NULL);
  return code;
}

static void model_info_clear(pw_model_info *m) {
  if (!m) return;
  free(m->name);
  free(m->family);
  free(m->description);
  for (size_t i = 0; i < m->n_tasks; i++) {
    free(m->tasks[i].name);
    free(m->tasks[i].example);
  }
  free(m->tasks);
  memset(m, 0, sizeof *m);
}

static int model_info_copy(pw_model_info *d, const Pixwizard__V1__ModelInfo *s) {
  memset(d, 0, sizeof *d);
  if (!s) return 0;
  d->name = dup_str(s->name);
  d->family = dup_str(s->family);
  d->description = dup_str(s->description);
  d->loaded = s->loaded != 0;
  d->is_default = s->is_default != 0;
  d->default_steps = s->default_steps;
  d->default_text_guidance = s->default_text_guidance;
  d->default_image_guidance = s->default_image_guidance;
  d->default_resolution = s->default_resolution;
  d->size_multiple = s->size_multiple;
  if (!d->name || !d->family || !d->description) { model_info_clear(d); return -1; }
  if (s->n_tasks) {
    d->tasks = (pw_task_info *)calloc(s->n_tasks, sizeof *d->tasks);
    if (!d->tasks) { model_info_clear(d); return -1; }
    for (size_t i = 0; i < s->n_tasks; i++) {
      d->n_tasks = i + 1;
      d->tasks[i].name = dup_str(s->tasks[i] ? s->tasks[i]->name : "");
      d->tasks[i].example = dup_str(s->tasks[i] ? s->tasks[i]->example : "");
      if (!d->tasks[i].name || !d->tasks[i].example) { model_info_clear(d); return -1; }
    }
  }
  return 0;
}

static int model_array_copy(pw_model_info **out, size_t *n_out, Pixwizard__V1__ModelInfo **src, size_t n) {
  *out = NULL;
  *n_out = 0;
  if (n == 0) return 0;
  pw_model_info *a = (pw_model_info *)calloc(n, sizeof *a);
  if (!a) return -1;
  for (size_t i = 0; i < n; i++) {
    if (model_info_copy(&a[i], src[i]) != 0) {
      for (size_t j = 0; j < i; j++) model_info_clear(&a[j]);
      free(a);
      return -1;
    }
  }
  *out = a;
  *n_out = n;
  return 0;
}

void pw_model_info_free(pw_model_info *m) {
  if (!m) return;
  model_info_clear(m);
  free(m);
}

void pw_model_list_free(pw_model_list *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n_models; i++) model_info_clear(&l->models[i]);
  free(l->models);
  free(l);
}

void pw_server_info_free(pw_server_info *info) {
  if (!info) return;
  free(info->version);
  for (size_t i = 0; i < info->n_capabilities; i++) free(info->capabilities[i]);
  free(info->capabilities);
  for (size_t i = 0; i < info->n_models; i++) model_info_clear(&info->models[i]);
  free(info->models);
  free(info);
}

static pw_status_code oom(pw_status *st) {
  set_status(st, PW_STATUS_RESOURCE_EXHAUSTED, "out of memory copying the reply");
  return PW_STATUS_RESOURCE_EXHAUSTED;
}

pw_status_code pw_server_info_get(pw_client *c, pw_server_info **out, pw_status *st) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__ServerInfoRequest req = PIXWIZARD__V1__SERVER_INFO_REQUEST__INIT;
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_SERVER_INFO;
  frame.server_info = &req;
  Pixwizard__V1__ServerFrame *r = NULL;
  pw_status_code code = unary(c, &frame, PW_KIND_SERVER_INFO, &r, st);
  if (code != PW_STATUS_OK) return code;
  const Pixwizard__V1__ServerInfoReply *s = r->server_info;
  pw_server_info *info = (pw_server_info *)calloc(1, sizeof *info);
  if (!info) goto fail;
  info->version = dup_str(s->version);
  if (!info->version) goto fail;
  info->protocol_version = s->protocol_version;
  if (s->limits) {
    info->max_frame_bytes = s->limits->max_frame_bytes;
    info->max_pixels = s->limits->max_pixels;
    info->max_steps = s->limits->max_steps;
    info->max_queue = s->limits->max_queue;
    info->max_connections = s->limits->max_connections;
  }
  if (s->n_capabilities) {
    info->capabilities = (char **)calloc(s->n_capabilities, sizeof(char *));
    if (!info->capabilities) goto fail;
    for (size_t i = 0; i < s->n_capabilities; i++) {
      info->n_capabilities = i + 1;
      info->capabilities[i] = dup_str(s->capabilities[i]);
      if (!info->capabilities[i]) goto fail;
    }
  }
  if (model_array_copy(&info->models, &info->n_models, s->models, s->n_models) != 0) goto fail;
  protobuf_c_message_free_unpacked(&r->base, NULL);
  *out = info;
  return PW_STATUS_OK;
fail:
  pw_server_info_free(info);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return oom(st);
}

pw_status_code pw_list_models(pw_client *c, pw_model_list **out, pw_status *st) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__ListModelsRequest req = PIXWIZARD__V1__LIST_MODELS_REQUEST__INIT;
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_LIST_MODELS;
  frame.list_models = &req;
  Pixwizard__V1__ServerFrame *r = NULL;
  pw_status_code code = unary(c, &frame, PW_KIND_LIST_MODELS, &r, st);
  if (code != PW_STATUS_OK) return code;
  pw_model_list *l = (pw_model_list *)calloc(1, sizeof *l);
  if (!l || model_array_copy(&l->models, &l->n_models, r->list_models->models, r->list_models->n_models) != 0) {
    free(l);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return oom(st);
  }
  protobuf_c_message_free_unpacked(&r->base, NULL);
  *out = l;
  return PW_STATUS_OK;
}

pw_status_code pw_load_model(pw_client *c, const char *name, pw_model_info **out, pw_status *st) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__LoadModelRequest req = PIXWIZARD__V1__LOAD_MODEL_REQUEST__INIT;
  req.name = (char *)(name ? name : "");
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_LOAD_MODEL;
  frame.load_model = &req;
  Pixwizard__V1__ServerFrame *r = NULL;
  pw_status_code code = unary(c, &frame, PW_KIND_LOAD_MODEL, &r, st);
  if (code != PW_STATUS_OK) return code;
  if (out) {
    pw_model_info *m = (pw_model_info *)calloc(1, sizeof *m);
    if (!m || model_info_copy(m, r->load_model->model) != 0) {
      free(m);
      protobuf_c_message_free_unpacked(&r->base, NULL);
      return oom(st);
    }
    *out = m;
  }
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return PW_STATUS_OK;
}

pw_status_code pw_unload_model(pw_client *c, const char *name, pw_status *st) {
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__UnloadModelRequest req = PIXWIZARD__V1__UNLOAD_MODEL_REQUEST__INIT;
  req.name = (char *)(name ? name : "");
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_UNLOAD_MODEL;
  frame.unload_model = &req;
  Pixwizard__V1__ServerFrame *r = NULL;
  pw_status_code code = unary(c, &frame, PW_KIND_UNLOAD_MODEL, &r, st);
  if (r) protobuf_c_message_free_unpacked(&r->base, NULL);
  return code;
}

/* ------------------------------------------------------------------ generate */

pw_call *pw_generate_start(pw_client *c, const pw_generate_params *p, const pw_generate_callbacks *cb, pw_status *st) {
  if (!c || !p) { set_status(st, PW_STATUS_INVALID_ARGUMENT, "no client or no parameters"); return NULL; }
  bool has_png = p->png && p->png_len > 0;
  bool has_rgb = p->rgb != NULL;
  if (has_png == has_rgb) {
    set_status(st, PW_STATUS_INVALID_ARGUMENT, "give exactly one input image: PNG bytes or raw RGB8");
    return NULL;
  }
  Pixwizard__V1__ClientFrame frame = PIXWIZARD__V1__CLIENT_FRAME__INIT;
  Pixwizard__V1__GenerateRequest req = PIXWIZARD__V1__GENERATE_REQUEST__INIT;
  Pixwizard__V1__RawImage raw = PIXWIZARD__V1__RAW_IMAGE__INIT;
  if (has_png) {
    req.image_case = PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_PNG;
    req.png.data = (uint8_t *)p->png;
    req.png.len = p->png_len;
  } else {
    uint64_t need = (uint64_t)p->rgb_width * p->rgb_height * 3u;
    if (need == 0 || need > (uint64_t)SIZE_MAX) {
      set_status(st, PW_STATUS_INVALID_ARGUMENT, "raw image of %ux%u has no pixels", p->rgb_width, p->rgb_height);
      return NULL;
    }
    raw.width = p->rgb_width;
    raw.height = p->rgb_height;
    raw.format = PIXWIZARD__V1__PIXEL_FORMAT__PIXEL_FORMAT_RGB8;
    raw.pixels.data = (uint8_t *)p->rgb;
    raw.pixels.len = (size_t)need;
    req.image_case = PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_RAW;
    req.raw = &raw;
  }
  req.instruction = (char *)(p->instruction ? p->instruction : "");
  req.model = (char *)(p->model ? p->model : "");
  req.seed = p->seed;
  req.steps = p->steps;
  req.solver = (Pixwizard__V1__Solver)p->solver;
  PW_SET_OPTIONAL_FLOAT(req, text_guidance, TEXT_GUIDANCE, p->has_text_guidance, p->text_guidance);
  PW_SET_OPTIONAL_FLOAT(req, image_guidance, IMAGE_GUIDANCE, p->has_image_guidance, p->image_guidance);
  req.resolution = p->resolution;
  req.width = p->width;
  req.height = p->height;
  req.preview_every = p->preview_every;
  req.preview_max_size = p->preview_max_size;
  req.deadline_ms = p->deadline_ms;
  frame.body_case = PIXWIZARD__V1__CLIENT_FRAME__BODY_GENERATE;
  frame.generate = &req;
  pw_call *call = start_call(c, PW_KIND_GENERATE, true, p->timeout_ms, &frame, st);
  if (!call) return NULL;
  if (cb) call->cb = *cb;
  set_status(st, PW_STATUS_OK, "");
  return call;
}

pw_status_code pw_generate(pw_client *c, const pw_generate_params *p, const pw_generate_callbacks *cb, pw_status *st) {
  pw_status local;
  if (!st) st = &local;
  pw_call *call = pw_generate_start(c, p, cb, st);
  if (!call) return st->code;
  pw_call_wait(call, -1, NULL);
  if (!call->done) finish_call(call, PW_STATUS_UNAVAILABLE, "the connection ended before the call finished");
  *st = call->status;
  pw_call_free(call);
  return st->code;
}

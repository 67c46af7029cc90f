/* test_hostile.c: the C client against a broken or hostile server. The peer here is a small fake
 * server on a real Unix socket (a test peer, not a model of the daemon): it sends garbage, lies
 * about lengths, sends zstd bombs, frames for unknown calls, malformed previews, or nothing, and
 * the client must report a status each time without crashing or leaking (run under valgrind). */
#define _POSIX_C_SOURCE 200809L
#include "pixwizard_client.h"
#include "pw_frame.h"
#include "pw_test.h"
#include "pixwizard/v1/pixwizard.pb-c.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zstd.h>

typedef void (*scenario_fn)(int fd);

typedef struct server {
  int listen_fd;
  char path[108];
  scenario_fn fn;
  pthread_t thread;
  int cancel_seen_for; /* set by scenarios that expect a Cancel */
} server;

static server *current;

/* ------------------------------------------------------------------ fake server helpers */

static int read_exact(int fd, uint8_t *b, size_t n) {
  while (n) {
    ssize_t r = read(fd, b, n);
    if (r <= 0) return -1;
    b += r;
    n -= (size_t)r;
  }
  return 0;
}

static Pixwizard__V1__ClientFrame *read_client_frame(int fd) {
  uint8_t h[5];
  if (read_exact(fd, h, 5) != 0) return NULL;
  uint32_t len = ((uint32_t)h[1] << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 8) | h[4];
  uint8_t *p = (uint8_t *)malloc(len ? len : 1);
  if (read_exact(fd, p, len) != 0) { free(p); return NULL; }
  Pixwizard__V1__ClientFrame *f = pixwizard__v1__client_frame__unpack(NULL, len, p);
  free(p);
  return f;
}

static uint64_t read_call_id(int fd) {
  Pixwizard__V1__ClientFrame *f = read_client_frame(fd);
  if (!f) return 0;
  uint64_t id = f->call_id;
  protobuf_c_message_free_unpacked(&f->base, NULL);
  return id;
}

static void send_raw(int fd, const void *b, size_t n) {
  if (write(fd, b, n) != (ssize_t)n) { /* the client may have gone: fine */ }
}

static void send_frame(int fd, Pixwizard__V1__ServerFrame *f, int compress) {
  size_t n = protobuf_c_message_get_packed_size(&f->base);
  uint8_t *p = (uint8_t *)malloc(n ? n : 1);
  protobuf_c_message_pack(&f->base, p);
  uint8_t *out;
  size_t ol;
  if (pw_frame_encode(p, n, compress, &out, &ol) == 0) {
    send_raw(fd, out, ol);
    free(out);
  }
  free(p);
}

static void send_status(int fd, uint64_t id, int code, const char *msg) {
  Pixwizard__V1__ServerFrame f = PIXWIZARD__V1__SERVER_FRAME__INIT;
  Pixwizard__V1__Status s = PIXWIZARD__V1__STATUS__INIT;
  s.code = (Pixwizard__V1__StatusCode)code;
  s.message = (char *)msg;
  f.call_id = id;
  f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_STATUS;
  f.status = &s;
  send_frame(fd, &f, 0);
}

static void send_health(int fd, uint64_t id) {
  Pixwizard__V1__ServerFrame f = PIXWIZARD__V1__SERVER_FRAME__INIT;
  Pixwizard__V1__HealthReply h = PIXWIZARD__V1__HEALTH_REPLY__INIT;
  h.serving = 1;
  f.call_id = id;
  f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_HEALTH;
  f.health = &h;
  send_frame(fd, &f, 0);
}

static void send_preview(int fd, uint64_t id, uint32_t w, uint32_t h, const uint8_t *data, size_t n, int codec, uint32_t step) {
  Pixwizard__V1__ServerFrame f = PIXWIZARD__V1__SERVER_FRAME__INIT;
  Pixwizard__V1__Preview p = PIXWIZARD__V1__PREVIEW__INIT;
  p.step = step;
  p.total = 2;
  p.width = w;
  p.height = h;
  p.format = PIXWIZARD__V1__PIXEL_FORMAT__PIXEL_FORMAT_RGB8;
  p.codec = (Pixwizard__V1__PreviewCodec)codec;
  p.data.data = (uint8_t *)data;
  p.data.len = n;
  f.call_id = id;
  f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_PREVIEW;
  f.preview = &p;
  send_frame(fd, &f, 0);
}

static void *server_main(void *arg) {
  server *s = (server *)arg;
  int fd = accept(s->listen_fd, NULL, NULL);
  if (fd >= 0) {
    s->fn(fd);
    close(fd);
  }
  return NULL;
}

static server *start_server(scenario_fn fn) {
  server *s = (server *)calloc(1, sizeof *s);
  snprintf(s->path, sizeof s->path, "/tmp/pw-hostile-%d.sock", (int)getpid());
  unlink(s->path);
  s->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, s->path, strlen(s->path));
  if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s->listen_fd, 4) != 0) {
    perror("fake server");
    exit(2);
  }
  s->fn = fn;
  current = s;
  pthread_create(&s->thread, NULL, server_main, s);
  return s;
}

static void stop_server(server *s) {
  pthread_join(s->thread, NULL);
  close(s->listen_fd);
  unlink(s->path);
  free(s);
  current = NULL;
}

static pw_client *connect_to(server *s, uint32_t call_timeout_ms, uint64_t max_frame) {
  pw_connect_options o;
  memset(&o, 0, sizeof o);
  o.unix_path = s->path;
  o.call_timeout_ms = call_timeout_ms;
  o.max_frame_bytes = max_frame;
  pw_status st;
  pw_client *c = pw_client_connect(&o, &st);
  if (!c) fprintf(stderr, "connect: %s\n", st.message);
  return c;
}

/* Runs one scenario with a Health call; returns the status code the client reported. */
static pw_status_code health_against(scenario_fn fn, uint32_t timeout_ms, uint64_t max_frame, pw_status *st) {
  server *s = start_server(fn);
  pw_client *c = connect_to(s, timeout_ms, max_frame);
  bool serving = false;
  pw_status_code code = c ? pw_health(c, &serving, st) : PW_STATUS_UNAVAILABLE;
  pw_client_close(c);
  stop_server(s);
  return code;
}

/* ------------------------------------------------------------------ scenarios */

static void sc_garbage(int fd) {
  (void)read_call_id(fd);
  uint8_t junk[256];
  uint32_t x = 99;
  for (size_t i = 0; i < sizeof junk; i++) { x = x * 1103515245u + 12345u; junk[i] = (uint8_t)(x >> 16); }
  junk[0] = 0x00; /* valid flags, a random length: either too long, truncated or undecodable */
  send_raw(fd, junk, sizeof junk);
}
static void sc_bad_flags(int fd) {
  (void)read_call_id(fd);
  const uint8_t b[] = {0x80, 0, 0, 0, 1, 0};
  send_raw(fd, b, sizeof b);
}
static void sc_oversize(int fd) {
  (void)read_call_id(fd);
  const uint8_t b[] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3};
  send_raw(fd, b, sizeof b);
}
static void sc_lying_length(int fd) {
  (void)read_call_id(fd);
  const uint8_t b[] = {0x00, 0, 0, 0, 100, 8, 1, 0x52, 0, 0, 0, 0, 0, 0, 0};
  send_raw(fd, b, sizeof b);
}
static void sc_bad_zstd(int fd) {
  (void)read_call_id(fd);
  const uint8_t b[] = {0x01, 0, 0, 0, 6, 0x28, 0xB5, 0x2F, 0xFD, 0x99, 0x99};
  send_raw(fd, b, sizeof b);
}
static void sc_zstd_bomb(int fd) {
  (void)read_call_id(fd);
  size_t n = 4u << 20; /* 4 MiB of zeros in ~100 bytes, against a 1 MiB client limit */
  uint8_t *zeros = (uint8_t *)calloc(n, 1);
  uint8_t *out;
  size_t ol;
  if (pw_frame_encode(zeros, n, 1, &out, &ol) == 0) {
    send_raw(fd, out, ol);
    free(out);
  }
  free(zeros);
}
static void sc_not_protobuf(int fd) {
  (void)read_call_id(fd);
  const uint8_t b[] = {0x00, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF};
  send_raw(fd, b, sizeof b);
}
static void sc_unknown_ids_then_ok(int fd) {
  uint64_t id = read_call_id(fd);
  send_health(fd, id + 1000);
  send_status(fd, id + 1001, 0, "nobody asked");
  send_status(fd, 0, 14, "connection-level note");
  const uint8_t empty[] = {0, 0, 0, 0, 0}; /* an empty ServerFrame: id 0, no body */
  send_raw(fd, empty, sizeof empty);
  send_health(fd, id);
  send_status(fd, id, 0, "");
}
static void sc_ok_without_reply(int fd) {
  uint64_t id = read_call_id(fd);
  send_status(fd, id, 0, "");
}
static void sc_unknown_status_code(int fd) {
  uint64_t id = read_call_id(fd);
  send_status(fd, id, 2, "an unknown error");
}
static void sc_close(int fd) {
  (void)read_call_id(fd);
  send_status(fd, 0, 8, "too many connections");
}
static void sc_silent_expect_cancel(int fd) {
  uint64_t id = read_call_id(fd);
  Pixwizard__V1__ClientFrame *f = read_client_frame(fd);
  if (f && f->body_case == PIXWIZARD__V1__CLIENT_FRAME__BODY_CANCEL && f->cancel && f->cancel->target_call_id == id)
    current->cancel_seen_for = (int)id;
  if (f) {
    send_status(fd, f->call_id, 0, "");
    protobuf_c_message_free_unpacked(&f->base, NULL);
  }
  send_status(fd, id, 1, "cancelled");
  uint8_t b;
  while (read(fd, &b, 1) > 0) {}
}

/* Generate with a malformed preview: the call fails, the client cancels it on the server, and
 * the connection keeps serving (a Health afterwards succeeds). */
static void sc_bad_preview_then_health(int fd) {
  uint64_t gen = read_call_id(fd);
  const uint8_t small[] = {0x28, 0xB5, 0x2F, 0xFD, 0, 0};
  send_preview(fd, gen, 65535, 65535, small, sizeof small, 1, 1); /* 12 GiB claimed */
  Pixwizard__V1__ClientFrame *f = read_client_frame(fd);
  if (f && f->body_case == PIXWIZARD__V1__CLIENT_FRAME__BODY_CANCEL && f->cancel && f->cancel->target_call_id == gen)
    current->cancel_seen_for = (int)gen;
  if (f) {
    send_status(fd, f->call_id, 0, "");
    protobuf_c_message_free_unpacked(&f->base, NULL);
  }
  send_status(fd, gen, 1, "cancelled");
  uint64_t h = read_call_id(fd);
  send_health(fd, h);
  send_status(fd, h, 0, "");
}

static void sc_mismatched_preview(int fd) {
  uint64_t gen = read_call_id(fd);
  uint8_t px[10] = {0};
  uint8_t z[64];
  size_t zl = ZSTD_compress(z, sizeof z, px, sizeof px, 1);
  send_preview(fd, gen, 4, 4, z, zl, 1, 1); /* 10 bytes where 48 are due */
  Pixwizard__V1__ClientFrame *f = read_client_frame(fd);
  if (f) {
    send_status(fd, f->call_id, 0, "");
    protobuf_c_message_free_unpacked(&f->base, NULL);
  }
  send_status(fd, gen, 1, "cancelled");
}

/* Two Generate calls answered interleaved: events must reach the right call. */
static void sc_two_streams(int fd) {
  uint64_t a = read_call_id(fd), b = read_call_id(fd);
  uint8_t px[2 * 2 * 3];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 10);
  uint8_t z[128];
  size_t zl = ZSTD_compress(z, sizeof z, px, sizeof px, 3);
  for (uint32_t step = 1; step <= 2; step++) {
    Pixwizard__V1__ServerFrame f = PIXWIZARD__V1__SERVER_FRAME__INIT;
    Pixwizard__V1__Progress p = PIXWIZARD__V1__PROGRESS__INIT;
    p.stage = PIXWIZARD__V1__STAGE__STAGE_DENOISE;
    p.step = step;
    p.total = 2;
    f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_PROGRESS;
    f.progress = &p;
    f.call_id = b;
    send_frame(fd, &f, 0);
    f.call_id = a;
    send_frame(fd, &f, 1); /* compressed frames are allowed too */
    send_preview(fd, a, 2, 2, z, zl, 1, step);
  }
  Pixwizard__V1__ServerFrame f = PIXWIZARD__V1__SERVER_FRAME__INIT;
  Pixwizard__V1__Result r = PIXWIZARD__V1__RESULT__INIT;
  r.png.data = (uint8_t *)"\x89PNG-fake-a";
  r.png.len = 11;
  r.width = 2;
  r.height = 2;
  f.call_id = a;
  f.body_case = PIXWIZARD__V1__SERVER_FRAME__BODY_RESULT;
  f.result = &r;
  send_frame(fd, &f, 0);
  send_status(fd, b, 5, "model \"nope\" not found");
  send_status(fd, a, 0, "");
}

static void sc_wait_for_close(int fd) {
  (void)read_call_id(fd);
  uint8_t b;
  while (read(fd, &b, 1) > 0) {}
}

/* ------------------------------------------------------------------ client side */

typedef struct rec {
  int progress, previews, results, statuses, stages_seen;
  uint32_t last_step;
  int status_code;
  uint8_t first_px[12];
} rec;

static void on_progress(pw_call *call, pw_stage stage, uint32_t step, uint32_t total, void *u) {
  (void)call; (void)stage; (void)total;
  rec *r = (rec *)u;
  r->progress++;
  r->last_step = step;
}
static void on_preview(pw_call *call, const pw_preview *p, void *u) {
  (void)call;
  rec *r = (rec *)u;
  r->previews++;
  if (p->rgb_len == 12) memcpy(r->first_px, p->rgb, 12);
}
static void on_result(pw_call *call, const pw_result *res, void *u) {
  (void)call; (void)res;
  ((rec *)u)->results++;
}
static void on_status(pw_call *call, const pw_status *s, void *u) {
  (void)call;
  rec *r = (rec *)u;
  r->statuses++;
  r->status_code = (int)s->code;
}

static pw_generate_callbacks callbacks_for(rec *r) {
  pw_generate_callbacks cb;
  memset(&cb, 0, sizeof cb);
  cb.user = r;
  cb.on_progress = on_progress;
  cb.on_preview = on_preview;
  cb.on_result = on_result;
  cb.on_status = on_status;
  return cb;
}

static const uint8_t tiny_png[] = {0x89, 'P', 'N', 'G'};

static pw_generate_params params_default(void) {
  pw_generate_params p;
  memset(&p, 0, sizeof p);
  p.png = tiny_png;
  p.png_len = sizeof tiny_png;
  p.instruction = "remove the noise";
  p.preview_every = 1;
  return p;
}

int main(void) {
  pw_status st;
  signal(SIGPIPE, SIG_IGN); /* for the fake server's writes to a client that already left */
  CHECK_EQ_INT(health_against(sc_garbage, 0, 0, &st), PW_STATUS_INTERNAL);
  printf("garbage: %s %s\n", pw_status_code_name(st.code), st.message);
  CHECK_EQ_INT(health_against(sc_bad_flags, 0, 0, &st), PW_STATUS_INTERNAL);
  CHECK(strstr(st.message, "flag") != NULL);
  CHECK_EQ_INT(health_against(sc_oversize, 0, 0, &st), PW_STATUS_INTERNAL);
  CHECK(strstr(st.message, "more than") != NULL);
  CHECK_EQ_INT(health_against(sc_lying_length, 0, 0, &st), PW_STATUS_UNAVAILABLE);
  CHECK_EQ_INT(health_against(sc_bad_zstd, 0, 0, &st), PW_STATUS_INTERNAL);
  CHECK_EQ_INT(health_against(sc_zstd_bomb, 0, 1u << 20, &st), PW_STATUS_INTERNAL);
  CHECK(strstr(st.message, "zstd") != NULL);
  CHECK_EQ_INT(health_against(sc_not_protobuf, 0, 0, &st), PW_STATUS_INTERNAL);
  CHECK_EQ_INT(health_against(sc_unknown_ids_then_ok, 0, 0, &st), PW_STATUS_OK);
  CHECK_EQ_INT(health_against(sc_ok_without_reply, 0, 0, &st), PW_STATUS_INTERNAL);
  CHECK_EQ_INT(health_against(sc_unknown_status_code, 0, 0, &st), 2);
  CHECK(strcmp(st.message, "an unknown error") == 0);
  CHECK_EQ_INT(health_against(sc_close, 0, 0, &st), PW_STATUS_UNAVAILABLE);
  printf("closed: %s %s\n", pw_status_code_name(st.code), st.message);
  CHECK(strstr(st.message, "RESOURCE_EXHAUSTED: too many connections") != NULL);

  /* A silent server: the per-call timeout ends the call and cancels it on the server. */
  {
    server *s = start_server(sc_silent_expect_cancel);
    pw_client *c = connect_to(s, 0, 0);
    pw_generate_params p = params_default();
    p.timeout_ms = 200;
    rec r;
    memset(&r, 0, sizeof r);
    pw_generate_callbacks cb = callbacks_for(&r);
    CHECK_EQ_INT(pw_generate(c, &p, &cb, &st), PW_STATUS_DEADLINE_EXCEEDED);
    CHECK_EQ_INT(r.statuses, 1);
    /* Let the client see the server's answers to the Cancel and to the call. */
    for (int i = 0; i < 20 && pw_client_pump(c, 50, NULL) >= 0; i++) {}
    pw_client_close(c);
    CHECK(current->cancel_seen_for != 0);
    stop_server(s);
  }
  /* A preview claiming 65535x65535: refused without allocating it; the connection survives. */
  {
    server *s = start_server(sc_bad_preview_then_health);
    pw_client *c = connect_to(s, 2000, 0);
    pw_generate_params p = params_default();
    rec r;
    memset(&r, 0, sizeof r);
    pw_generate_callbacks cb = callbacks_for(&r);
    pw_call *call = pw_generate_start(c, &p, &cb, &st);
    CHECK(call != NULL);
    CHECK(pw_call_wait(call, 2000, &st));
    CHECK_EQ_INT(st.code, PW_STATUS_INTERNAL);
    CHECK_EQ_INT(r.previews, 0);
    bool serving = false;
    CHECK_EQ_INT(pw_health(c, &serving, &st), PW_STATUS_OK);
    CHECK(serving);
    CHECK(current->cancel_seen_for == (int)pw_call_id(call));
    pw_call_free(call);
    pw_client_close(c);
    stop_server(s);
  }
  {
    server *s = start_server(sc_mismatched_preview);
    pw_client *c = connect_to(s, 2000, 0);
    pw_generate_params p = params_default();
    rec r;
    memset(&r, 0, sizeof r);
    pw_generate_callbacks cb = callbacks_for(&r);
    CHECK_EQ_INT(pw_generate(c, &p, &cb, &st), PW_STATUS_INTERNAL);
    CHECK(strstr(st.message, "width*height*3") != NULL);
    CHECK_EQ_INT(r.previews, 0);
    pw_client_close(c);
    stop_server(s);
  }
  /* Two interleaved streams on one connection. */
  {
    server *s = start_server(sc_two_streams);
    pw_client *c = connect_to(s, 0, 0);
    pw_generate_params p = params_default();
    rec ra, rb;
    memset(&ra, 0, sizeof ra);
    memset(&rb, 0, sizeof rb);
    pw_generate_callbacks ca = callbacks_for(&ra), cbb = callbacks_for(&rb);
    pw_call *a = pw_generate_start(c, &p, &ca, &st);
    p.model = "nope";
    pw_call *b = pw_generate_start(c, &p, &cbb, &st);
    CHECK(a && b && pw_call_id(a) != pw_call_id(b));
    CHECK_EQ_INT(pw_client_open_calls(c), 2);
    CHECK(pw_call_wait(a, 3000, NULL));
    CHECK(pw_call_wait(b, 3000, NULL));
    CHECK_EQ_INT(pw_call_status(a)->code, PW_STATUS_OK);
    CHECK_EQ_INT(pw_call_status(b)->code, PW_STATUS_NOT_FOUND);
    CHECK_EQ_INT(ra.progress, 2);
    CHECK_EQ_INT(ra.last_step, 2);
    CHECK_EQ_INT(ra.previews, 2);
    CHECK_EQ_INT(ra.results, 1);
    CHECK_EQ_INT(ra.first_px[11], 110);
    CHECK_EQ_INT(rb.progress, 2);
    CHECK_EQ_INT(rb.previews, 0);
    CHECK_EQ_INT(rb.results, 0);
    CHECK_EQ_INT(ra.statuses + rb.statuses, 2);
    CHECK_EQ_INT(pw_client_open_calls(c), 0);
    pw_call_free(a);
    pw_call_free(b);
    pw_client_close(c);
    stop_server(s);
  }
  /* Closing the client with a call in flight: the call ends CANCELLED and stays freeable. */
  {
    server *s = start_server(sc_wait_for_close);
    pw_client *c = connect_to(s, 0, 0);
    pw_generate_params p = params_default();
    rec r;
    memset(&r, 0, sizeof r);
    pw_generate_callbacks cb = callbacks_for(&r);
    pw_call *call = pw_generate_start(c, &p, &cb, &st);
    CHECK(call && !pw_call_done(call));
    CHECK_EQ_INT(pw_client_pump(c, 50, NULL), 0);
    pw_client_close(c);
    CHECK(pw_call_done(call));
    CHECK_EQ_INT(pw_call_status(call)->code, PW_STATUS_CANCELLED);
    CHECK_EQ_INT(r.statuses, 1);
    CHECK_EQ_INT(pw_call_cancel(call), PW_STATUS_OK);
    pw_call_free(call);
    stop_server(s);
  }
  /* Bad arguments are refused locally. */
  {
    pw_generate_params p;
    memset(&p, 0, sizeof p);
    CHECK(pw_generate_start(NULL, &p, NULL, &st) == NULL && st.code == PW_STATUS_INVALID_ARGUMENT);
    CHECK(pw_client_connect_unix("/nonexistent/dir/pw.sock", &st) == NULL && st.code == PW_STATUS_UNAVAILABLE);
    CHECK(pw_client_connect_tcp("127.0.0.1", 0, NULL, &st) == NULL && st.code == PW_STATUS_INVALID_ARGUMENT);
  }
  TEST_DONE("test_hostile");
}

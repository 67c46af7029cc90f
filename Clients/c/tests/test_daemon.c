/* test_daemon.c: the C client against the real `pixwizard serve` (started by
 * scripts/after-swift-clients.sh with a test model), under valgrind.
 *   test_daemon --unix PATH --tcp HOST:PORT --image IN.png [--steps N]
 * Health, server info and models (Unix and TCP); Generate with a preview every step (frames decode
 * to the right size, steps increase, the result PNG decodes at the accepted size); two calls at once
 * on one connection; cancel; unknown model; invalid image; client-side timeout. */
#define _POSIX_C_SOURCE 200809L
#include "pixwizard_client.h"
#include "pw_test.h"

#include <png.h>
#include <string.h>
#include <time.h>

typedef struct rec {
  int accepted, stages, results, summaries, statuses, previews, queue_positive;
  pw_accepted acc;
  uint32_t denoise_steps, last_denoise_step, progress_total;
  int steps_increasing;
  uint32_t last_preview_step;
  int previews_ok;
  uint32_t preview_max;
  uint32_t result_w, result_h, png_w, png_h;
  int png_ok;
  int cancel_at_step; /* >0: cancel at that denoise step */
  pw_status_code final_code;
} rec;

static void on_accepted(pw_call *c, const pw_accepted *a, void *u) {
  (void)c;
  rec *r = (rec *)u;
  r->accepted++;
  r->acc = *a;
}
static void on_queue(pw_call *c, uint32_t pos, void *u) {
  (void)c;
  if (pos > 0) ((rec *)u)->queue_positive++;
}
static void on_stages(pw_call *c, const pw_stage *s, size_t n, void *u) {
  (void)c;
  rec *r = (rec *)u;
  for (size_t i = 0; i < n; i++)
    if (s[i] == PW_STAGE_DENOISE) r->stages++;
}
static void on_progress(pw_call *c, pw_stage stage, uint32_t step, uint32_t total, void *u) {
  rec *r = (rec *)u;
  if (stage != PW_STAGE_DENOISE) return;
  if (step != r->last_denoise_step + 1) r->steps_increasing = 0;
  r->last_denoise_step = step;
  r->denoise_steps++;
  r->progress_total = total;
  if (r->cancel_at_step > 0 && (int)step == r->cancel_at_step) CHECK_EQ_INT(pw_call_cancel(c), PW_STATUS_OK);
}
static void on_preview(pw_call *c, const pw_preview *p, void *u) {
  (void)c;
  rec *r = (rec *)u;
  r->previews++;
  uint32_t longest = p->width > p->height ? p->width : p->height;
  int ok = p->rgb_len == (size_t)p->width * p->height * 3 && p->step > r->last_preview_step &&
           (r->preview_max == 0 || longest <= r->preview_max) && p->total == r->acc.steps;
  /* The preview keeps the input's aspect ratio (to within rounding); the test image is square. */
  {
    double want = 1.0, have = (double)p->width / p->height;
    if (have < want * 0.8 || have > want * 1.25) ok = 0;
  }
  /* A decoded image is not all one value. */
  int varied = 0;
  for (size_t i = 1; i < p->rgb_len && !varied; i++) varied = p->rgb[i] != p->rgb[0];
  if (!ok || !varied) {
    fprintf(stderr, "bad preview: step %u/%u %ux%u len %zu varied %d\n", p->step, p->total, p->width, p->height, p->rgb_len, varied);
    r->previews_ok = 0;
  }
  r->last_preview_step = p->step;
}
static void on_result(pw_call *c, const pw_result *res, void *u) {
  (void)c;
  rec *r = (rec *)u;
  r->results++;
  r->result_w = res->width;
  r->result_h = res->height;
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&img, res->png, res->png_len)) {
    r->png_w = img.width;
    r->png_h = img.height;
    img.format = PNG_FORMAT_RGB;
    png_bytep buf = (png_bytep)malloc(PNG_IMAGE_SIZE(img));
    r->png_ok = buf && png_image_finish_read(&img, NULL, buf, 0, NULL);
    free(buf);
  }
  png_image_free(&img);
}
static void on_summary(pw_call *c, const pw_summary *s, void *u) {
  (void)c;
  rec *r = (rec *)u;
  r->summaries++;
  CHECK(s->total_seconds > 0);
}
static void on_status(pw_call *c, const pw_status *s, void *u) {
  (void)c;
  rec *r = (rec *)u;
  r->statuses++;
  r->final_code = s->code;
}

static pw_generate_callbacks cbs(rec *r) {
  pw_generate_callbacks cb;
  memset(&cb, 0, sizeof cb);
  cb.user = r;
  cb.on_accepted = on_accepted;
  cb.on_queue_position = on_queue;
  cb.on_stages = on_stages;
  cb.on_progress = on_progress;
  cb.on_preview = on_preview;
  cb.on_result = on_result;
  cb.on_summary = on_summary;
  cb.on_status = on_status;
  return cb;
}

static void rec_init(rec *r) {
  memset(r, 0, sizeof *r);
  r->steps_increasing = 1;
  r->previews_ok = 1;
  r->png_ok = 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = (uint8_t *)malloc(n > 0 ? (size_t)n : 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
  fclose(f);
  *len = (size_t)n;
  return b;
}

static void check_full_stream(const char *what, const rec *r, uint32_t steps) {
  printf("%s: status %s, accepted %ux%u steps %u, %u denoise steps, %d previews, result %ux%u (png %ux%u)\n", what,
         pw_status_code_name(r->final_code), r->acc.width, r->acc.height, r->acc.steps, r->denoise_steps, r->previews,
         r->result_w, r->result_h, r->png_w, r->png_h);
  CHECK_EQ_INT(r->final_code, PW_STATUS_OK);
  CHECK_EQ_INT(r->statuses, 1);
  CHECK_EQ_INT(r->accepted, 1);
  CHECK_EQ_INT(r->acc.steps, steps);
  CHECK_EQ_INT(r->stages, 1);
  CHECK_EQ_INT(r->denoise_steps, steps);
  CHECK(r->steps_increasing);
  CHECK_EQ_INT(r->results, 1);
  CHECK(r->png_ok);
  CHECK(r->result_w > 0 && r->result_h > 0);
  CHECK_EQ_INT(r->png_w, r->result_w);
  CHECK_EQ_INT(r->png_h, r->result_h);
  /* Accepted announces the output size when the daemon knows it before running. */
  if (r->acc.width) {
    CHECK_EQ_INT(r->png_w, r->acc.width);
    CHECK_EQ_INT(r->png_h, r->acc.height);
  }
  CHECK_EQ_INT(r->summaries, 1);
}

int main(int argc, char **argv) {
  const char *unix_path = NULL, *tcp = NULL, *image = NULL, *token_tcp = NULL;
  uint32_t steps = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--unix") == 0) unix_path = argv[i + 1];
    else if (strcmp(argv[i], "--tcp") == 0) tcp = argv[i + 1];
    else if (strcmp(argv[i], "--image") == 0) image = argv[i + 1];
    else if (strcmp(argv[i], "--token-tcp") == 0) token_tcp = argv[i + 1];
    else if (strcmp(argv[i], "--steps") == 0) steps = (uint32_t)strtoul(argv[i + 1], NULL, 10);
  }
  if (!unix_path || !tcp || !image) {
    fprintf(stderr, "usage: test_daemon --unix PATH --tcp HOST:PORT --image IN.png [--steps N]\n");
    return 2;
  }
  size_t png_len = 0;
  uint8_t *png = read_file(image, &png_len);
  if (!png) { fprintf(stderr, "cannot read %s\n", image); return 2; }
  pw_status st;
  pw_client *c = pw_client_connect_unix(unix_path, &st);
  if (!c) { fprintf(stderr, "connect: %s\n", st.message); free(png); return 1; }

  /* Health, info, models. */
  bool serving = false;
  double t0 = now_s();
  CHECK_EQ_INT(pw_health(c, &serving, &st), PW_STATUS_OK);
  printf("health (unix): serving=%d in %.0f us (under valgrind)\n", serving, (now_s() - t0) * 1e6);
  CHECK(serving);
  pw_server_info *info = NULL;
  CHECK_EQ_INT(pw_server_info_get(c, &info, &st), PW_STATUS_OK);
  if (info) {
    printf("server: version %s protocol %u, %zu capabilities, %zu models, max_pixels %llu\n", info->version,
           info->protocol_version, info->n_capabilities, info->n_models, (unsigned long long)info->max_pixels);
    CHECK_EQ_INT(info->protocol_version, PW_PROTOCOL_VERSION);
    CHECK(info->n_models >= 1);
    pw_server_info_free(info);
  }
  pw_model_list *models = NULL;
  char model_name[128] = "";
  CHECK_EQ_INT(pw_list_models(c, &models, &st), PW_STATUS_OK);
  if (models) {
    CHECK(models->n_models >= 1);
    for (size_t i = 0; i < models->n_models; i++)
      printf("model: %s (%s)%s\n", models->models[i].name, models->models[i].family, models->models[i].is_default ? " default" : "");
    if (models->n_models) snprintf(model_name, sizeof model_name, "%s", models->models[0].name);
    pw_model_list_free(models);
  }
  /* Load, unload and load again. */
  pw_model_info *mi = NULL;
  CHECK_EQ_INT(pw_load_model(c, model_name, &mi, &st), PW_STATUS_OK);
  if (mi) {
    CHECK(strcmp(mi->name, model_name) == 0 && mi->loaded);
    pw_model_info_free(mi);
  }
  CHECK_EQ_INT(pw_unload_model(c, model_name, &st), PW_STATUS_OK);
  CHECK_EQ_INT(pw_load_model(c, model_name, NULL, &st), PW_STATUS_OK);

  pw_generate_params p;
  memset(&p, 0, sizeof p);
  p.png = png;
  p.png_len = png_len;
  p.instruction = "remove the noise";
  p.seed = 42;
  p.steps = steps;
  p.preview_every = 1;
  p.preview_max_size = 32;

  /* Generate with previews at every step. */
  {
    rec r;
    rec_init(&r);
    r.preview_max = 32;
    pw_generate_callbacks cb = cbs(&r);
    t0 = now_s();
    CHECK_EQ_INT(pw_generate(c, &p, &cb, &st), PW_STATUS_OK);
    printf("generate: %.2f s\n", now_s() - t0);
    if (st.code != PW_STATUS_OK) fprintf(stderr, "generate: %s\n", st.message);
    check_full_stream("generate", &r, steps);
    CHECK_EQ_INT(r.previews, steps);
    CHECK(r.previews_ok);
  }
  /* Two calls at once on one connection: each gets its own events and result. */
  {
    rec a, b;
    rec_init(&a);
    rec_init(&b);
    pw_generate_callbacks ca = cbs(&a), cb = cbs(&b);
    pw_generate_params p2 = p;
    p2.seed = 7;
    p2.preview_every = 0;
    pw_call *x = pw_generate_start(c, &p, &ca, &st);
    pw_call *y = pw_generate_start(c, &p2, &cb, &st);
    CHECK(x && y);
    CHECK_EQ_INT(pw_client_open_calls(c), 2);
    CHECK(pw_call_wait(x, -1, NULL));
    CHECK(pw_call_wait(y, -1, NULL));
    check_full_stream("concurrent A", &a, steps);
    check_full_stream("concurrent B", &b, steps);
    CHECK_EQ_INT(a.previews, steps);
    CHECK_EQ_INT(b.previews, 0);
    CHECK(a.acc.job_id != b.acc.job_id);
    CHECK_EQ_INT(b.acc.seed, 7);
    printf("concurrent: queue positions > 0 seen: A %d, B %d\n", a.queue_positive, b.queue_positive);
    pw_call_free(x);
    pw_call_free(y);
  }
  /* Cancel after the first denoising step: CANCELLED, no result; the connection keeps working. */
  {
    rec r;
    rec_init(&r);
    r.cancel_at_step = 1;
    pw_generate_params pc = p;
    pc.steps = 50; /* long enough that the cancel always lands before the end */
    pw_generate_callbacks cb = cbs(&r);
    CHECK_EQ_INT(pw_generate(c, &pc, &cb, &st), PW_STATUS_CANCELLED);
    printf("cancel: %s \"%s\" after %u of %u steps\n", pw_status_code_name(st.code), st.message, r.denoise_steps, pc.steps);
    CHECK_EQ_INT(r.results, 0);
    CHECK(r.denoise_steps < pc.steps);
    CHECK_EQ_INT(pw_health(c, &serving, &st), PW_STATUS_OK);
  }
  /* Error statuses. */
  {
    rec r;
    rec_init(&r);
    pw_generate_callbacks cb = cbs(&r);
    pw_generate_params pe = p;
    pe.model = "no-such-model";
    CHECK_EQ_INT(pw_generate(c, &pe, &cb, &st), PW_STATUS_NOT_FOUND);
    printf("unknown model: %s \"%s\"\n", pw_status_code_name(st.code), st.message);
    CHECK_EQ_INT(r.results, 0);
    static const uint8_t not_png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2};
    pe = p;
    pe.png = not_png;
    pe.png_len = sizeof not_png;
    rec_init(&r);
    CHECK_EQ_INT(pw_generate(c, &pe, &cb, &st), PW_STATUS_INVALID_ARGUMENT);
    printf("invalid image: %s \"%s\"\n", pw_status_code_name(st.code), st.message);
    CHECK_EQ_INT(pw_load_model(c, "no-such-model", NULL, &st), PW_STATUS_NOT_FOUND);
  }
  /* A client-side timeout ends the call and cancels it; the next call still works. */
  {
    rec r;
    rec_init(&r);
    pw_generate_callbacks cb = cbs(&r);
    pw_generate_params pt = p;
    pt.steps = steps * 4;
    pt.timeout_ms = 1;
    CHECK_EQ_INT(pw_generate(c, &pt, &cb, &st), PW_STATUS_DEADLINE_EXCEEDED);
    CHECK_EQ_INT(r.results, 0);
    CHECK_EQ_INT(pw_health(c, &serving, &st), PW_STATUS_OK);
  }
  pw_client_close(c);

  /* TCP. */
  {
    char host[128];
    const char *colon = strrchr(tcp, ':');
    if (!colon || (size_t)(colon - tcp) >= sizeof host) { fprintf(stderr, "bad --tcp\n"); free(png); return 2; }
    memcpy(host, tcp, (size_t)(colon - tcp));
    host[colon - tcp] = '\0';
    pw_client *t = pw_client_connect_tcp(host, (uint16_t)atoi(colon + 1), NULL, &st);
    CHECK(t != NULL);
    if (t) {
      CHECK_EQ_INT(pw_health(t, &serving, &st), PW_STATUS_OK);
      CHECK(serving);
      rec r;
      rec_init(&r);
      r.preview_max = 32;
      pw_generate_callbacks cb = cbs(&r);
      CHECK_EQ_INT(pw_generate(t, &p, &cb, &st), PW_STATUS_OK);
      check_full_stream("generate (tcp)", &r, steps);
      pw_client_close(t);
    }
  }
  /* A daemon started with --token s3cret: Health is exempt, everything else needs the token. */
  if (token_tcp) {
    char host[128];
    const char *colon = strrchr(token_tcp, ':');
    if (colon && (size_t)(colon - token_tcp) < sizeof host) {
      memcpy(host, token_tcp, (size_t)(colon - token_tcp));
      host[colon - token_tcp] = '\0';
      uint16_t port = (uint16_t)atoi(colon + 1);
      pw_client *t = pw_client_connect_tcp(host, port, NULL, &st);
      CHECK(t != NULL);
      pw_server_info *si = NULL;
      if (t) {
        CHECK_EQ_INT(pw_health(t, &serving, &st), PW_STATUS_OK);
        CHECK_EQ_INT(pw_server_info_get(t, &si, &st), PW_STATUS_UNAUTHENTICATED);
        printf("no token: %s \"%s\"\n", pw_status_code_name(st.code), st.message);
        pw_client_close(t);
      }
      t = pw_client_connect_tcp(host, port, "wrong", &st);
      if (t) {
        CHECK_EQ_INT(pw_server_info_get(t, &si, &st), PW_STATUS_UNAUTHENTICATED);
        pw_client_close(t);
      }
      t = pw_client_connect_tcp(host, port, "s3cret", &st);
      CHECK(t != NULL);
      if (t) {
        CHECK_EQ_INT(pw_server_info_get(t, &si, &st), PW_STATUS_OK);
        pw_server_info_free(si);
        pw_client_close(t);
      }
    }
  }
  free(png);
  TEST_DONE("test_daemon");
}

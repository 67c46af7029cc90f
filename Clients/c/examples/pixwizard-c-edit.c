/* pixwizard-c-edit: edit an image with a running PixWizard daemon through the C client.
 *
 *   pixwizard-c-edit IN.png "instruction" OUT.png [--previews DIR] [--socket PATH | --tcp HOST:PORT]
 *                    [--token T] [--model NAME] [--steps N] [--seed N] [--preview-size N]
 *
 * Writes the result PNG to OUT.png and, with --previews, every preview frame as DIR/step-NNN.png.
 * The socket defaults to the daemon's (pw_default_socket_path()). Progress goes to stderr. Exit status 0 on success. */
#define _POSIX_C_SOURCE 200809L
#include "pixwizard_client.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct job {
  const char *out_path;
  const char *preview_dir;
  int previews_written;
  int failed;
} job;

static int read_file(const char *path, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0;
  uint8_t *b = (uint8_t *)malloc(cap);
  while (b) {
    size_t r = fread(b + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
    if (n == cap) {
      uint8_t *nb = (uint8_t *)realloc(b, cap * 2);
      if (!nb) { free(b); b = NULL; break; }
      b = nb;
      cap *= 2;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!b || err) { free(b); return -1; }
  *data = b;
  *len = n;
  return 0;
}

static int write_png_rgb(const char *path, const uint8_t *rgb, uint32_t w, uint32_t h) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = w;
  img.height = h;
  img.format = PNG_FORMAT_RGB;
  return png_image_write_to_file(&img, path, 0, rgb, (png_int_32)(w * 3u), NULL) ? 0 : -1;
}

static void on_accepted(pw_call *call, const pw_accepted *a, void *user) {
  (void)call; (void)user;
  fprintf(stderr, "accepted: job %llu, %ux%u, %u steps, seed %llu\n", (unsigned long long)a->job_id, a->width,
          a->height, a->steps, (unsigned long long)a->seed);
}

static void on_queue(pw_call *call, uint32_t position, void *user) {
  (void)call; (void)user;
  if (position > 0) fprintf(stderr, "queued: position %u\n", position);
}

static void on_progress(pw_call *call, pw_stage stage, uint32_t step, uint32_t total, void *user) {
  (void)call; (void)user;
  fprintf(stderr, "\r%-12s %u/%u", pw_stage_name(stage), step, total);
  if (step == total) fputc('\n', stderr);
}

static void on_preview(pw_call *call, const pw_preview *p, void *user) {
  job *j = (job *)user;
  if (!j->preview_dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/step-%03u.png", j->preview_dir, p->step);
  if (write_png_rgb(path, p->rgb, p->width, p->height) != 0) {
    fprintf(stderr, "\ncannot write %s; cancelling\n", path);
    j->failed = 1;
    pw_call_cancel(call);
    return;
  }
  j->previews_written++;
}

static void on_result(pw_call *call, const pw_result *r, void *user) {
  (void)call;
  job *j = (job *)user;
  FILE *f = fopen(j->out_path, "wb");
  if (!f || fwrite(r->png, 1, r->png_len, f) != r->png_len) {
    fprintf(stderr, "cannot write %s: %s\n", j->out_path, strerror(errno));
    j->failed = 1;
  }
  if (f && fclose(f) != 0) j->failed = 1;
  if (!j->failed) fprintf(stderr, "result: %ux%u -> %s\n", r->width, r->height, j->out_path);
}

static void on_summary(pw_call *call, const pw_summary *s, void *user) {
  (void)call; (void)user;
  fprintf(stderr, "summary: %.2f s total (%.2f s queued), seed %llu:", s->total_seconds, s->queue_seconds,
          (unsigned long long)s->seed);
  for (size_t i = 0; i < s->n_timings; i++) fprintf(stderr, " %s %.3fs", pw_stage_name(s->timings[i].stage), s->timings[i].seconds);
  fputc('\n', stderr);
}

static void usage(void) {
  fprintf(stderr,
          "usage: pixwizard-c-edit IN.png \"instruction\" OUT.png [--previews DIR] [--socket PATH | --tcp HOST:PORT]\n"
          "                        [--token T] [--model NAME] [--steps N] [--seed N] [--preview-size N]\n");
}

int main(int argc, char **argv) {
  const char *positional[3] = {NULL, NULL, NULL};
  int npos = 0;
  char default_socket[256];
  const char *socket_path = pw_default_socket_path(default_socket, sizeof default_socket);
  char host[256] = "";
  uint16_t port = 0;
  pw_generate_params p;
  memset(&p, 0, sizeof p);
  job j;
  memset(&j, 0, sizeof j);
  const char *token = NULL;
  p.preview_every = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(); return 0; }
    if (a[0] == '-' && a[1] == '-') {
      if (!v) { usage(); return 2; }
      i++;
      if (strcmp(a, "--previews") == 0) { j.preview_dir = v; p.preview_every = 1; }
      else if (strcmp(a, "--socket") == 0) socket_path = v;
      else if (strcmp(a, "--tcp") == 0) {
        const char *colon = strrchr(v, ':');
        if (!colon || (size_t)(colon - v) >= sizeof host) { usage(); return 2; }
        memcpy(host, v, (size_t)(colon - v));
        host[colon - v] = '\0';
        port = (uint16_t)strtoul(colon + 1, NULL, 10);
        socket_path = NULL;
      } else if (strcmp(a, "--token") == 0) token = v;
      else if (strcmp(a, "--model") == 0) p.model = v;
      else if (strcmp(a, "--steps") == 0) p.steps = (uint32_t)strtoul(v, NULL, 10);
      else if (strcmp(a, "--seed") == 0) p.seed = strtoull(v, NULL, 10);
      else if (strcmp(a, "--preview-size") == 0) p.preview_max_size = (uint32_t)strtoul(v, NULL, 10);
      else { usage(); return 2; }
    } else if (npos < 3) {
      positional[npos++] = a;
    } else {
      usage();
      return 2;
    }
  }
  if (npos != 3) {
    usage();
    return 2;
  }
  if (j.preview_dir && mkdir(j.preview_dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", j.preview_dir, strerror(errno));
    return 1;
  }
  uint8_t *png = NULL;
  size_t png_len = 0;
  if (read_file(positional[0], &png, &png_len) != 0) {
    fprintf(stderr, "cannot read %s: %s\n", positional[0], strerror(errno));
    return 1;
  }
  p.png = png;
  p.png_len = png_len;
  p.instruction = positional[1];
  j.out_path = positional[2];

  pw_connect_options o;
  memset(&o, 0, sizeof o);
  o.unix_path = socket_path;
  o.host = host;
  o.port = port;
  o.token = token;
  pw_status st;
  pw_client *c = pw_client_connect(&o, &st);
  if (!c) {
    fprintf(stderr, "%s: %s\n", pw_status_code_name(st.code), st.message);
    free(png);
    return 1;
  }
  pw_generate_callbacks cb;
  memset(&cb, 0, sizeof cb);
  cb.user = &j;
  cb.on_accepted = on_accepted;
  cb.on_queue_position = on_queue;
  cb.on_progress = on_progress;
  cb.on_preview = on_preview;
  cb.on_result = on_result;
  cb.on_summary = on_summary;
  pw_status_code code = pw_generate(c, &p, &cb, &st);
  pw_client_close(c);
  free(png);
  if (code != PW_STATUS_OK) {
    fprintf(stderr, "%s: %s\n", pw_status_code_name(code), st.message);
    return 1;
  }
  if (j.preview_dir) fprintf(stderr, "previews: %d frames in %s\n", j.previews_written, j.preview_dir);
  return j.failed ? 1 : 0;
}

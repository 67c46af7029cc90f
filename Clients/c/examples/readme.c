/* readme.c: the C example of README.md (kept identical by scripts/after-swift-clients.sh). */
#include <pixwizard_client.h>
#include <stdio.h>

static void on_progress(pw_call *call, pw_stage stage, uint32_t step, uint32_t total, void *user) {
  (void)call; (void)user;
  printf("%s %u/%u\n", pw_stage_name(stage), step, total);
}

static void on_preview(pw_call *call, const pw_preview *p, void *user) {
  (void)call; (void)user;
  printf("preview of step %u: %ux%u RGB8, %zu bytes\n", p->step, p->width, p->height, p->rgb_len);
}

static void on_result(pw_call *call, const pw_result *r, void *user) {
  (void)call; (void)user;
  FILE *f = fopen("out.png", "wb");
  if (f) { fwrite(r->png, 1, r->png_len, f); fclose(f); }
  printf("result: %ux%u -> out.png\n", r->width, r->height);
}

int main(void) {
  char path[256];
  pw_status st;
  pw_client *c = pw_client_connect_unix(pw_default_socket_path(path, sizeof path), &st);
  if (!c) { fprintf(stderr, "%s\n", st.message); return 1; }
  static unsigned char png[1 << 20];
  FILE *in = fopen("Examples/noisy-rocket.png", "rb");
  size_t n = in ? fread(png, 1, sizeof png, in) : 0;
  if (in) fclose(in);
  pw_generate_params p = {0};
  p.png = png;
  p.png_len = n;
  p.instruction = "remove the noise";
  p.preview_every = 1;
  pw_generate_callbacks cb = {0};
  cb.on_progress = on_progress;
  cb.on_preview = on_preview;
  cb.on_result = on_result;
  if (pw_generate(c, &p, &cb, &st) != PW_STATUS_OK) fprintf(stderr, "%s: %s\n", pw_status_code_name(st.code), st.message);
  pw_client_close(c);
  return st.code == PW_STATUS_OK ? 0 : 1;
}

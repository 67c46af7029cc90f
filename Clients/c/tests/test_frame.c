/* test_frame.c: the frame codec state machine, fed byte by byte, many frames in one buffer,
 * truncated, oversize, with bad flags and garbage; zstd payload limits. */
#define _POSIX_C_SOURCE 200809L
#include "pw_frame.h"
#include "pw_test.h"
#include "pixwizard/v1/pixwizard.pb-c.h"

#include <stdint.h>
#include <string.h>
#include <zstd.h>

static uint32_t rng_state = 12345u;
static uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* Feeds bytes in chunks of `chunk` (0: all at once), collecting the payloads of complete frames. */
static int feed_all(pw_frame_decoder *d, const uint8_t *b, size_t n, size_t chunk, uint8_t **payloads, size_t *lens,
                    uint8_t *flags, int max_frames, int *err) {
  int got = 0;
  size_t pos = 0;
  *err = 0;
  while (pos < n) {
    size_t len = chunk ? (n - pos < chunk ? n - pos : chunk) : n - pos;
    size_t off = 0;
    while (off < len) {
      size_t used = 0;
      pw_frame_result r = pw_frame_decoder_feed(d, b + pos + off, len - off, &used);
      off += used;
      if (r == PW_FRAME_READY) {
        uint8_t f;
        uint8_t *p;
        size_t l;
        pw_frame_decoder_take(d, &f, &p, &l);
        if (got < max_frames) {
          payloads[got] = p;
          lens[got] = l;
          flags[got] = f;
        } else {
          free(p);
        }
        got++;
      } else if (r < 0) {
        *err = r;
        return got;
      }
    }
    pos += len;
  }
  return got;
}

static void test_roundtrip_chunks(void) {
  /* Three frames (one empty, one compressed) in one buffer, fed in every chunk size 1..9 and whole. */
  const uint8_t a[] = {0x08, 0x01, 0x52, 0x00};
  uint8_t big[3000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i % 7);
  uint8_t *f1, *f2, *f3;
  size_t l1, l2, l3;
  CHECK(pw_frame_encode(a, sizeof a, 0, &f1, &l1) == 0);
  CHECK(pw_frame_encode(NULL, 0, 0, &f2, &l2) == 0);
  CHECK(pw_frame_encode(big, sizeof big, 1, &f3, &l3) == 0);
  CHECK_EQ_INT(l1, 9);
  CHECK(f1[0] == 0 && f1[1] == 0 && f1[2] == 0 && f1[3] == 0 && f1[4] == 4);
  CHECK(f3[0] == 1 && l3 < sizeof big);
  size_t total = l1 + l2 + l3;
  uint8_t *all = (uint8_t *)malloc(total);
  memcpy(all, f1, l1);
  memcpy(all + l1, f2, l2);
  memcpy(all + l1 + l2, f3, l3);
  for (size_t chunk = 0; chunk <= 9; chunk++) {
    pw_frame_decoder d;
    pw_frame_decoder_init(&d, 1 << 20);
    uint8_t *p[3] = {0};
    size_t l[3] = {0};
    uint8_t fl[3] = {0};
    int err;
    int n = feed_all(&d, all, total, chunk, p, l, fl, 3, &err);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(err, 0);
    CHECK(l[0] == sizeof a && memcmp(p[0], a, sizeof a) == 0 && fl[0] == 0);
    CHECK(l[1] == 0 && p[1] == NULL);
    CHECK(fl[2] == 1);
    uint8_t *plain = NULL;
    size_t pl = 0;
    CHECK(pw_zstd_decompress(p[2], l[2], 1 << 20, &plain, &pl) == 0);
    CHECK(pl == sizeof big && memcmp(plain, big, sizeof big) == 0);
    free(plain);
    CHECK(d.state == PW_FRAME_STATE_HEADER);
    for (int i = 0; i < 3; i++) free(p[i]);
    pw_frame_decoder_free(&d);
  }
  free(all);
  free(f1);
  free(f2);
  free(f3);
}

static void test_truncated(void) {
  const uint8_t payload[] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t *f;
  size_t l;
  CHECK(pw_frame_encode(payload, sizeof payload, 0, &f, &l) == 0);
  for (size_t cut = 0; cut < l; cut++) {
    pw_frame_decoder d;
    pw_frame_decoder_init(&d, 1024);
    uint8_t *p[1] = {0};
    size_t pl[1];
    uint8_t fl[1];
    int err;
    CHECK_EQ_INT(feed_all(&d, f, cut, 1, p, pl, fl, 1, &err), 0);
    CHECK_EQ_INT(err, 0);
    CHECK(d.state == (cut < PW_FRAME_HEADER_BYTES ? PW_FRAME_STATE_HEADER : PW_FRAME_STATE_PAYLOAD));
    pw_frame_decoder_free(&d);
  }
  free(f);
}

static void test_oversize_and_flags(void) {
  /* The length is checked from the header alone: nothing of the payload is needed or buffered. */
  const uint8_t huge[] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF};
  pw_frame_decoder d;
  pw_frame_decoder_init(&d, 1024);
  size_t used = 0;
  CHECK_EQ_INT(pw_frame_decoder_feed(&d, huge, sizeof huge, &used), PW_FRAME_ERR_TOO_LARGE);
  CHECK(d.payload == NULL);
  /* It stays failed. */
  CHECK(pw_frame_decoder_feed(&d, huge, sizeof huge, &used) < 0);
  pw_frame_decoder_free(&d);
  /* Exactly the maximum is accepted, one more is not. */
  const uint8_t at_max[] = {0x00, 0x00, 0x00, 0x04, 0x00};
  const uint8_t over_max[] = {0x00, 0x00, 0x00, 0x04, 0x01};
  pw_frame_decoder_init(&d, 1024);
  CHECK_EQ_INT(pw_frame_decoder_feed(&d, at_max, 5, &used), PW_FRAME_NEED_MORE);
  pw_frame_decoder_free(&d);
  pw_frame_decoder_init(&d, 1024);
  CHECK_EQ_INT(pw_frame_decoder_feed(&d, over_max, 5, &used), PW_FRAME_ERR_TOO_LARGE);
  pw_frame_decoder_free(&d);
  for (int bit = 1; bit < 8; bit++) {
    uint8_t bad[] = {(uint8_t)(1u << bit), 0, 0, 0, 0};
    pw_frame_decoder_init(&d, 1024);
    CHECK_EQ_INT(pw_frame_decoder_feed(&d, bad, 5, &used), PW_FRAME_ERR_FLAGS);
    pw_frame_decoder_free(&d);
  }
}

static void test_garbage(void) {
  /* Random bytes: the decoder ends in frames or an error, never reads out of bounds (valgrind). */
  for (int round = 0; round < 200; round++) {
    size_t n = 1 + rng() % 300;
    uint8_t *b = (uint8_t *)malloc(n);
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)rng();
    if (round % 2) b[0] &= 1; /* plausible flags, random lengths */
    pw_frame_decoder d;
    pw_frame_decoder_init(&d, 4096);
    uint8_t *p[64] = {0};
    size_t l[64];
    uint8_t fl[64];
    int err;
    int got = feed_all(&d, b, n, 1 + (size_t)(round % 5), p, l, fl, 64, &err);
    for (int i = 0; i < got && i < 64; i++) {
      /* Whatever came out must not crash the message decoder either. */
      Pixwizard__V1__ServerFrame *f = pixwizard__v1__server_frame__unpack(NULL, l[i], p[i]);
      if (f) protobuf_c_message_free_unpacked(&f->base, NULL);
      free(p[i]);
    }
    pw_frame_decoder_free(&d);
    free(b);
  }
}

static void test_zstd_limits(void) {
  size_t n = 100000;
  uint8_t *zeros = (uint8_t *)calloc(n, 1);
  size_t bound = ZSTD_compressBound(n);
  uint8_t *z = (uint8_t *)malloc(bound);
  size_t zl = ZSTD_compress(z, bound, zeros, n, 3);
  CHECK(!ZSTD_isError(zl));
  uint8_t *out = NULL;
  size_t ol = 0;
  /* Exactly the limit decodes; one byte less refuses (a small frame cannot expand past the limit). */
  CHECK(pw_zstd_decompress(z, zl, n, &out, &ol) == 0 && ol == n);
  free(out);
  CHECK(pw_zstd_decompress(z, zl, n - 1, &out, &ol) != 0 && out == NULL);
  /* Truncated and garbage input. */
  CHECK(pw_zstd_decompress(z, zl - 1, n, &out, &ol) != 0);
  uint8_t junk[64];
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)rng();
  CHECK(pw_zstd_decompress(junk, sizeof junk, n, &out, &ol) != 0);
  /* A frame without a content size (streaming compression) is bounded all the same. */
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
  ZSTD_inBuffer ib = {zeros, n, 0};
  ZSTD_outBuffer ob = {z, bound, 0};
  size_t r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
  CHECK(r == 0);
  ZSTD_freeCCtx(cc);
  CHECK(ZSTD_getFrameContentSize(z, ob.pos) == ZSTD_CONTENTSIZE_UNKNOWN);
  CHECK(pw_zstd_decompress(z, ob.pos, n, &out, &ol) == 0 && ol == n);
  free(out);
  CHECK(pw_zstd_decompress(z, ob.pos, 1000, &out, &ol) != 0);
  free(z);
  free(zeros);
}

/* ------------------------------------------------------------------ golden frames */

/* Checks what each golden frame of docs/PROTOCOL.md decodes to (the description above its block). */
static void check_golden_fields(const char *name, const ProtobufCMessage *m) {
  if (strcmp(name, "client-generate") == 0) {
    const Pixwizard__V1__ClientFrame *f = (const Pixwizard__V1__ClientFrame *)m;
    CHECK(f->call_id == 7 && f->body_case == PIXWIZARD__V1__CLIENT_FRAME__BODY_GENERATE);
    const Pixwizard__V1__GenerateRequest *g = f->generate;
    CHECK(g->image_case == PIXWIZARD__V1__GENERATE_REQUEST__IMAGE_PNG && g->png.len == 4 && g->png.data[1] == 'P');
    CHECK(strcmp(g->instruction, "remove the noise") == 0 && g->seed == 42 && g->steps == 4);
    CHECK(g->_text_guidance_case == PIXWIZARD__V1__GENERATE_REQUEST___TEXT_GUIDANCE_TEXT_GUIDANCE && g->text_guidance == 4.5f);
    CHECK(g->_image_guidance_case == PIXWIZARD__V1__GENERATE_REQUEST___IMAGE_GUIDANCE__NOT_SET);
    CHECK(g->preview_every == 1 && g->preview_max_size == 64);
  } else if (strcmp(name, "client-cancel") == 0) {
    const Pixwizard__V1__ClientFrame *f = (const Pixwizard__V1__ClientFrame *)m;
    CHECK(f->call_id == 8 && strcmp(f->token, "s3cret") == 0 && f->cancel && f->cancel->target_call_id == 7);
  } else if (strcmp(name, "server-accepted") == 0) {
    const Pixwizard__V1__ServerFrame *f = (const Pixwizard__V1__ServerFrame *)m;
    CHECK(f->accepted && f->accepted->job_id == 3 && f->accepted->seed == 42 && f->accepted->width == 64 && f->accepted->steps == 4);
  } else if (strcmp(name, "server-stages") == 0) {
    const Pixwizard__V1__ServerFrame *f = (const Pixwizard__V1__ServerFrame *)m;
    CHECK(f->stages && f->stages->n_stages == 3 && f->stages->stages[1] == PIXWIZARD__V1__STAGE__STAGE_DENOISE);
  } else if (strcmp(name, "server-preview") == 0) {
    const Pixwizard__V1__ServerFrame *f = (const Pixwizard__V1__ServerFrame *)m;
    CHECK(f->preview && f->preview->width == 2 && f->preview->height == 1 && f->preview->t == 0.25f);
    uint8_t *px = NULL;
    size_t n = 0;
    CHECK(f->preview && pw_zstd_decompress(f->preview->data.data, f->preview->data.len, 6, &px, &n) == 0 && n == 6);
    if (px) CHECK(px[0] == 0xff && px[1] == 0 && px[2] == 0 && px[3] == 0 && px[4] == 0 && px[5] == 0xff);
    free(px);
  } else if (strcmp(name, "server-status-cancelled") == 0) {
    const Pixwizard__V1__ServerFrame *f = (const Pixwizard__V1__ServerFrame *)m;
    CHECK(f->status && f->status->code == PIXWIZARD__V1__STATUS_CODE__CANCELLED && strcmp(f->status->message, "cancelled by the client") == 0);
  }
}

/* One golden frame: decoded by the frame codec and protobuf-c, re-encoded, the same bytes. */
static void check_golden(const char *name, const uint8_t *bytes, size_t n) {
  pw_frame_decoder d;
  pw_frame_decoder_init(&d, 1 << 20);
  size_t used = 0;
  CHECK_EQ_INT(pw_frame_decoder_feed(&d, bytes, n, &used), PW_FRAME_READY);
  CHECK_EQ_INT(used, n);
  uint8_t flags = 0, *payload = NULL;
  size_t len = 0;
  pw_frame_decoder_take(&d, &flags, &payload, &len);
  pw_frame_decoder_free(&d);
  int client = strncmp(name, "client-", 7) == 0;
  ProtobufCMessage *m = client ? (ProtobufCMessage *)pixwizard__v1__client_frame__unpack(NULL, len, payload)
                               : (ProtobufCMessage *)pixwizard__v1__server_frame__unpack(NULL, len, payload);
  CHECK(m != NULL);
  if (m) {
    check_golden_fields(name, m);
    size_t pn = protobuf_c_message_get_packed_size(m);
    uint8_t *packed = (uint8_t *)malloc(pn ? pn : 1);
    protobuf_c_message_pack(m, packed);
    uint8_t *frame = NULL;
    size_t fl = 0;
    CHECK(pw_frame_encode(packed, pn, flags & 1, &frame, &fl) == 0);
    int same = fl == n && memcmp(frame, bytes, n) == 0;
    if (!same) fprintf(stderr, "golden %s: re-encoded %zu bytes differ from the %zu in docs/PROTOCOL.md\n", name, fl, n);
    CHECK(same);
    free(frame);
    free(packed);
    protobuf_c_message_free_unpacked(m, NULL);
  }
  free(payload);
}

/* Parses the ```golden NAME blocks of docs/PROTOCOL.md; returns how many were checked. */
static int golden_frames(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); pw_test_failures++; return 0; }
  char line[1024], name[128] = "";
  uint8_t bytes[4096];
  size_t n = 0;
  int in_block = 0, count = 0;
  while (fgets(line, sizeof line, f)) {
    if (!in_block && strncmp(line, "```golden ", 10) == 0) {
      in_block = 1;
      n = 0;
      snprintf(name, sizeof name, "%.100s", line + 10);
      name[strcspn(name, " \r\n")] = '\0';
    } else if (in_block && strncmp(line, "```", 3) == 0) {
      in_block = 0;
      check_golden(name, bytes, n);
      count++;
    } else if (in_block) {
      for (char *p = line; *p;) {
        unsigned v;
        int k = 0;
        if (sscanf(p, " %2x%n", &v, &k) != 1) break;
        if (n < sizeof bytes) bytes[n++] = (uint8_t)v;
        p += k;
      }
    }
  }
  fclose(f);
  printf("golden frames: %d checked (decode, re-encode byte for byte)\n", count);
  return count;
}

int main(int argc, char **argv) {
  test_roundtrip_chunks();
  test_truncated();
  test_oversize_and_flags();
  test_garbage();
  test_zstd_limits();
  if (argc > 1) CHECK(golden_frames(argv[1]) >= 11);
  TEST_DONE("test_frame");
}

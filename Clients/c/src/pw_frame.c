/* pw_frame.c: frame codec state machine and zstd helpers (see pw_frame.h). */
#include "pw_frame.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

void pw_frame_decoder_init(pw_frame_decoder *d, uint64_t max_length) {
  memset(d, 0, sizeof *d);
  d->state = PW_FRAME_STATE_HEADER;
  d->max_length = max_length;
}

void pw_frame_decoder_free(pw_frame_decoder *d) {
  free(d->payload);
  d->payload = NULL;
  d->state = PW_FRAME_STATE_FAILED;
}

pw_frame_result pw_frame_decoder_feed(pw_frame_decoder *d, const uint8_t *bytes, size_t n, size_t *consumed) {
  size_t used = 0;
  pw_frame_result result = PW_FRAME_NEED_MORE;
  for (;;) {
    if (d->state == PW_FRAME_STATE_FAILED) { result = PW_FRAME_ERR_FLAGS; break; }
    if (d->state == PW_FRAME_STATE_READY) { result = PW_FRAME_READY; break; }
    if (d->state == PW_FRAME_STATE_HEADER) {
      size_t want = PW_FRAME_HEADER_BYTES - d->header_have;
      size_t take = n - used < want ? n - used : want;
      memcpy(d->header + d->header_have, bytes + used, take);
      d->header_have += take;
      used += take;
      if (d->header_have < PW_FRAME_HEADER_BYTES) break;
      d->flags = d->header[0];
      d->length = ((uint32_t)d->header[1] << 24) | ((uint32_t)d->header[2] << 16) |
                  ((uint32_t)d->header[3] << 8) | (uint32_t)d->header[4];
      if (d->flags & ~PW_FRAME_FLAG_ZSTD) { d->state = PW_FRAME_STATE_FAILED; result = PW_FRAME_ERR_FLAGS; break; }
      if ((uint64_t)d->length > d->max_length) {
        d->state = PW_FRAME_STATE_FAILED;
        result = PW_FRAME_ERR_TOO_LARGE;
        break;
      }
      d->payload_have = 0;
      d->payload = NULL;
      if (d->length > 0) {
        d->payload = (uint8_t *)malloc(d->length);
        if (!d->payload) { d->state = PW_FRAME_STATE_FAILED; result = PW_FRAME_ERR_NOMEM; break; }
      }
      d->state = PW_FRAME_STATE_PAYLOAD;
    }
    if (d->state == PW_FRAME_STATE_PAYLOAD) {
      size_t want = d->length - d->payload_have;
      size_t take = n - used < want ? n - used : want;
      if (take) memcpy(d->payload + d->payload_have, bytes + used, take);
      d->payload_have += take;
      used += take;
      if (d->payload_have < d->length) break;
      d->state = PW_FRAME_STATE_READY;
      result = PW_FRAME_READY;
      break;
    }
  }
  if (consumed) *consumed = used;
  return result;
}

void pw_frame_decoder_take(pw_frame_decoder *d, uint8_t *flags, uint8_t **payload, size_t *length) {
  *flags = d->flags;
  *payload = d->payload;
  *length = d->length;
  d->payload = NULL;
  d->payload_have = 0;
  d->header_have = 0;
  d->length = 0;
  d->state = PW_FRAME_STATE_HEADER;
}

int pw_frame_encode(const uint8_t *payload, size_t length, int compress, uint8_t **frame, size_t *frame_length) {
  uint8_t *body = NULL;
  size_t body_len = length;
  const uint8_t *src = payload;
  *frame = NULL;
  *frame_length = 0;
  if (compress) {
    size_t bound = ZSTD_compressBound(length);
    body = (uint8_t *)malloc(bound ? bound : 1);
    if (!body) return -1;
    body_len = ZSTD_compress(body, bound, payload, length, 3);
    if (ZSTD_isError(body_len)) { free(body); return -1; }
    src = body;
  }
  if (body_len > 0xFFFFFFFFu) { free(body); return -1; }
  uint8_t *out = (uint8_t *)malloc(PW_FRAME_HEADER_BYTES + body_len);
  if (!out) { free(body); return -1; }
  out[0] = compress ? PW_FRAME_FLAG_ZSTD : 0;
  out[1] = (uint8_t)(body_len >> 24);
  out[2] = (uint8_t)(body_len >> 16);
  out[3] = (uint8_t)(body_len >> 8);
  out[4] = (uint8_t)body_len;
  if (body_len) memcpy(out + PW_FRAME_HEADER_BYTES, src, body_len);
  free(body);
  *frame = out;
  *frame_length = PW_FRAME_HEADER_BYTES + body_len;
  return 0;
}

int pw_zstd_decompress(const uint8_t *in, size_t n, uint64_t max_out, uint8_t **out, size_t *out_length) {
  *out = NULL;
  *out_length = 0;
  /* Streaming, so that a frame without a content size (or one that lies) is still bounded. */
  ZSTD_DStream *ds = ZSTD_createDStream();
  if (!ds) return -1;
  size_t cap = 64 * 1024, len = 0;
  unsigned long long declared = ZSTD_getFrameContentSize(in, n);
  if (declared != ZSTD_CONTENTSIZE_ERROR && declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (declared > max_out) { ZSTD_freeDStream(ds); return -1; }
    cap = declared > 0 ? (size_t)declared : 1;
  }
  if (cap > max_out && max_out > 0) cap = (size_t)max_out;
  if (cap == 0) cap = 1;
  uint8_t *buf = (uint8_t *)malloc(cap);
  if (!buf) { ZSTD_freeDStream(ds); return -1; }
  ZSTD_inBuffer ib = {in, n, 0};
  int ok = 0;
  for (;;) {
    if (len == cap && (uint64_t)cap < max_out) {
      size_t ncap = cap * 2;
      if ((uint64_t)ncap > max_out) ncap = (size_t)max_out;
      uint8_t *nb = (uint8_t *)realloc(buf, ncap);
      if (!nb) break;
      buf = nb;
      cap = ncap;
    }
    ZSTD_outBuffer ob = {buf, cap, len};
    size_t r = ZSTD_decompressStream(ds, &ob, &ib);
    len = ob.pos;
    if (ZSTD_isError(r)) break;
    if (r == 0) { ok = ib.pos == ib.size; break; }  /* frame complete; trailing bytes are an error */
    if (ob.pos == ob.size && (uint64_t)cap >= max_out) {
      /* At the limit: acceptable only if the frame ends here without producing more. */
      r = ZSTD_decompressStream(ds, &ob, &ib);
      ok = !ZSTD_isError(r) && r == 0 && ib.pos == ib.size && ob.pos == len;
      break;
    }
    if (ib.pos == ib.size && ob.pos < ob.size) break; /* truncated input */
  }
  ZSTD_freeDStream(ds);
  if (!ok) { free(buf); return -1; }
  *out = buf;
  *out_length = len;
  return 0;
}

/*
 * pw_frame.h: the frame codec of protocol v1 (internal; also used by the tests).
 * A frame is 1 flag byte (bit 0: payload zstd-compressed; other bits must be 0), a 4-byte
 * big-endian payload length, then the payload.
 */
#ifndef PW_FRAME_H
#define PW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define PW_FRAME_HEADER_BYTES 5
#define PW_FRAME_FLAG_ZSTD 0x01u

typedef enum pw_frame_result {
  PW_FRAME_NEED_MORE = 0,     /* every byte consumed, no frame complete yet */
  PW_FRAME_READY = 1,         /* a frame is complete: take it with pw_frame_decoder_take() */
  PW_FRAME_ERR_FLAGS = -1,    /* reserved flag bits set */
  PW_FRAME_ERR_TOO_LARGE = -2,/* declared length above the maximum (checked before buffering) */
  PW_FRAME_ERR_NOMEM = -3
} pw_frame_result;

/* An explicit state machine: HEADER (collecting 5 bytes) -> PAYLOAD (collecting length bytes)
 * -> READY (a frame waits to be taken) -> HEADER. After an error it stays failed. */
typedef enum pw_frame_state {
  PW_FRAME_STATE_HEADER,
  PW_FRAME_STATE_PAYLOAD,
  PW_FRAME_STATE_READY,
  PW_FRAME_STATE_FAILED
} pw_frame_state;

typedef struct pw_frame_decoder {
  pw_frame_state state;
  uint8_t header[PW_FRAME_HEADER_BYTES];
  size_t header_have;
  uint8_t flags;
  uint32_t length;
  uint8_t *payload;     /* length bytes (NULL when length is 0) */
  size_t payload_have;
  uint64_t max_length;
} pw_frame_decoder;

void pw_frame_decoder_init(pw_frame_decoder *d, uint64_t max_length);
void pw_frame_decoder_free(pw_frame_decoder *d);

/* Consumes bytes until a frame is complete or the input runs out; *consumed says how many were
 * used. On PW_FRAME_READY, feed again with the rest only after pw_frame_decoder_take(). */
pw_frame_result pw_frame_decoder_feed(pw_frame_decoder *d, const uint8_t *bytes, size_t n, size_t *consumed);

/* Hands the complete frame's payload to the caller (free() it; NULL when empty) and returns the
 * decoder to the HEADER state. */
void pw_frame_decoder_take(pw_frame_decoder *d, uint8_t *flags, uint8_t **payload, size_t *length);

/* Builds a frame around payload; compress (zstd level 3) sets bit 0. Returns 0, or -1 (no memory,
 * payload too large). *frame is malloc'ed. */
int pw_frame_encode(const uint8_t *payload, size_t length, int compress, uint8_t **frame, size_t *frame_length);

/* Decompresses a zstd payload whose content must not exceed max_out bytes. 0 or -1. */
int pw_zstd_decompress(const uint8_t *in, size_t n, uint64_t max_out, uint8_t **out, size_t *out_length);

#endif

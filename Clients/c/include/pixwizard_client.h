/*
 * pixwizard_client.h: C99 client for the PixWizard daemon (protocol v1, docs/PROTOCOL.md).
 *
 * One pw_client is one connection (Unix socket or TCP). Several calls may be in flight on it at
 * once; every call ends with a status (gRPC codes). The library is single-threaded and event
 * driven: calls are started without blocking, and frames are read and dispatched to the calls'
 * callbacks by pw_client_pump() or pw_call_wait(). A pw_client must not be used from two threads
 * at once. Callbacks may call pw_call_cancel() and may start new calls, but must not wait, pump,
 * free a call or close the client.
 *
 * Errors never abort: every function reports a pw_status (code + message). A server that breaks
 * the protocol makes the open calls fail with PW_STATUS_INTERNAL or PW_STATUS_UNAVAILABLE.
 */
#ifndef PIXWIZARD_CLIENT_H
#define PIXWIZARD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PW_PROTOCOL_VERSION 1

/* The status codes of the protocol (gRPC's numbering). Client-side failures use the same codes:
 * a lost connection is UNAVAILABLE, a protocol violation INTERNAL, a local timeout
 * DEADLINE_EXCEEDED, a bad argument INVALID_ARGUMENT, out of memory RESOURCE_EXHAUSTED. */
typedef enum pw_status_code {
  PW_STATUS_OK = 0,
  PW_STATUS_CANCELLED = 1,
  PW_STATUS_INVALID_ARGUMENT = 3,
  PW_STATUS_DEADLINE_EXCEEDED = 4,
  PW_STATUS_NOT_FOUND = 5,
  PW_STATUS_RESOURCE_EXHAUSTED = 8,
  PW_STATUS_INTERNAL = 13,
  PW_STATUS_UNAVAILABLE = 14,
  PW_STATUS_UNAUTHENTICATED = 16
} pw_status_code;

#define PW_STATUS_MESSAGE_MAX 512

typedef struct pw_status {
  pw_status_code code;
  char message[PW_STATUS_MESSAGE_MAX]; /* NUL-terminated, truncated if longer */
} pw_status;

/* "OK", "CANCELLED", ... ; "UNKNOWN" for other values. */
const char *pw_status_code_name(int code);

typedef enum pw_stage {
  PW_STAGE_UNSPECIFIED = 0,
  PW_STAGE_LOAD = 1,
  PW_STAGE_PREPROCESS = 2,
  PW_STAGE_ENCODE_TEXT = 3,
  PW_STAGE_ENCODE_IMAGE = 4,
  PW_STAGE_DENOISE = 5,
  PW_STAGE_DECODE = 6
} pw_stage;

const char *pw_stage_name(int stage);

typedef enum pw_solver { PW_SOLVER_DEFAULT = 0, PW_SOLVER_EULER = 1, PW_SOLVER_MIDPOINT = 2 } pw_solver;

typedef struct pw_client pw_client;
typedef struct pw_call pw_call;

/* ------------------------------------------------------------------ connection */

typedef struct pw_connect_options {
  const char *unix_path;       /* a Unix socket path, or NULL to use host:port */
  const char *host;            /* TCP host name or address (default "127.0.0.1") */
  uint16_t port;               /* TCP port */
  const char *token;           /* shared secret sent on every call, or NULL */
  uint32_t connect_timeout_ms; /* 0: 10 s */
  uint32_t call_timeout_ms;    /* default timeout of unary calls; 0: none */
  uint64_t max_frame_bytes;    /* largest frame accepted from the server; 0: 256 MiB */
} pw_connect_options;

pw_client *pw_client_connect(const pw_connect_options *options, pw_status *status);

/* The daemon's default socket: $PIXWIZARD_SOCKET, else $XDG_RUNTIME_DIR/pixwizard.sock when that
 * directory exists, else /tmp/pixwizard-<uid>.sock. Writes at most n bytes; returns buf. */
char *pw_default_socket_path(char *buf, size_t n);
pw_client *pw_client_connect_unix(const char *path, pw_status *status);
pw_client *pw_client_connect_tcp(const char *host, uint16_t port, const char *token, pw_status *status);

/* Closes the connection (the daemon cancels its open calls) and frees every call still owned by
 * the client. Calls the user has not freed yet stay valid for pw_call_status()/pw_call_free(). */
void pw_client_close(pw_client *client);

/* Reads and dispatches whatever frames arrive within timeout_ms (0: do not block, -1: until at
 * least one frame or event arrives). Returns the number of frames dispatched, or -1 when the
 * connection is broken (status says why; every open call has then finished). */
int pw_client_pump(pw_client *client, int timeout_ms, pw_status *status);

/* The number of calls started on this client that have not finished. */
size_t pw_client_open_calls(const pw_client *client);

/* ------------------------------------------------------------------ unary calls (blocking) */

typedef struct pw_task_info {
  char *name;
  char *example;
} pw_task_info;

typedef struct pw_model_info {
  char *name;
  char *family;
  char *description;
  bool loaded;
  bool is_default;
  uint32_t default_steps;
  float default_text_guidance;
  float default_image_guidance;
  uint32_t default_resolution;
  uint32_t size_multiple;
  size_t n_tasks;
  pw_task_info *tasks;
} pw_model_info;

typedef struct pw_model_list {
  size_t n_models;
  pw_model_info *models;
} pw_model_list;

typedef struct pw_server_info {
  char *version;
  uint32_t protocol_version;
  uint64_t max_frame_bytes;
  uint64_t max_pixels;
  uint32_t max_steps;
  uint32_t max_queue;
  uint32_t max_connections;
  size_t n_capabilities;
  char **capabilities;
  size_t n_models;
  pw_model_info *models;
} pw_server_info;

/* Each returns the status code (also written to *status when status is not NULL). Outputs are
 * set only on PW_STATUS_OK and are freed with the matching _free function. */
pw_status_code pw_health(pw_client *client, bool *serving, pw_status *status);
pw_status_code pw_server_info_get(pw_client *client, pw_server_info **info, pw_status *status);
pw_status_code pw_list_models(pw_client *client, pw_model_list **models, pw_status *status);
pw_status_code pw_load_model(pw_client *client, const char *name, pw_model_info **model, pw_status *status);
pw_status_code pw_unload_model(pw_client *client, const char *name, pw_status *status);
void pw_server_info_free(pw_server_info *info);
void pw_model_list_free(pw_model_list *models);
void pw_model_info_free(pw_model_info *model);

/* ------------------------------------------------------------------ generate (streaming) */

typedef struct pw_generate_params {
  /* The input image: PNG file bytes, or raw RGB8 (width*height*3 bytes, rows top to bottom). */
  const uint8_t *png;
  size_t png_len;
  const uint8_t *rgb;
  uint32_t rgb_width;
  uint32_t rgb_height;
  const char *instruction;
  const char *model;        /* NULL or "": the default model */
  uint64_t seed;            /* 0: random (reported in accepted/summary) */
  uint32_t steps;           /* 0: the model's default */
  pw_solver solver;
  float text_guidance;      /* used when has_text_guidance */
  bool has_text_guidance;
  float image_guidance;     /* used when has_image_guidance */
  bool has_image_guidance;
  uint32_t resolution;      /* bucket centre; or width/height below; all 0: default */
  uint32_t width;
  uint32_t height;
  uint32_t preview_every;   /* 0: no previews */
  uint32_t preview_max_size;/* longest side of previews; 0: output size */
  uint32_t deadline_ms;     /* server-side deadline from arrival (queue included); 0: none */
  uint32_t timeout_ms;      /* client-side timeout: the call ends DEADLINE_EXCEEDED and is
                               cancelled on the server; 0: none */
} pw_generate_params;

typedef struct pw_accepted {
  uint64_t job_id;
  uint64_t seed;
  uint32_t width;
  uint32_t height;
  uint32_t steps;
} pw_accepted;

/* A preview frame, already decompressed: width*height*3 bytes of RGB8. Valid during the callback. */
typedef struct pw_preview {
  uint32_t step;
  uint32_t total;
  float t;
  uint32_t width;
  uint32_t height;
  const uint8_t *rgb;
  size_t rgb_len;
} pw_preview;

/* The result: PNG file bytes. Valid during the callback. */
typedef struct pw_result {
  const uint8_t *png;
  size_t png_len;
  uint32_t width;
  uint32_t height;
} pw_result;

typedef struct pw_stage_timing {
  pw_stage stage;
  double seconds;
} pw_stage_timing;

typedef struct pw_summary {
  size_t n_timings;
  const pw_stage_timing *timings;
  double total_seconds;
  double queue_seconds;
  uint64_t seed;
  uint32_t steps;
} pw_summary;

/* Every callback is optional (NULL). user is passed back unchanged. */
typedef struct pw_generate_callbacks {
  void *user;
  void (*on_accepted)(pw_call *call, const pw_accepted *accepted, void *user);
  void (*on_queue_position)(pw_call *call, uint32_t position, void *user);
  void (*on_stages)(pw_call *call, const pw_stage *stages, size_t n_stages, void *user);
  void (*on_progress)(pw_call *call, pw_stage stage, uint32_t step, uint32_t total, void *user);
  void (*on_preview)(pw_call *call, const pw_preview *preview, void *user);
  void (*on_result)(pw_call *call, const pw_result *result, void *user);
  void (*on_summary)(pw_call *call, const pw_summary *summary, void *user);
  void (*on_status)(pw_call *call, const pw_status *status, void *user); /* last, exactly once */
} pw_generate_callbacks;

/* Starts a Generate call and returns at once; NULL (and *status) when it cannot be sent. The
 * call is owned by the caller: pw_call_free() it after it finished (or to abandon it). */
pw_call *pw_generate_start(pw_client *client, const pw_generate_params *params,
                           const pw_generate_callbacks *callbacks, pw_status *status);

/* Starts, waits and frees: the blocking form. Returns the final status code. */
pw_status_code pw_generate(pw_client *client, const pw_generate_params *params,
                           const pw_generate_callbacks *callbacks, pw_status *status);

/* Asks the daemon to cancel the call (it then ends with CANCELLED, or with its status if it had
 * already finished). Does not block. Returns PW_STATUS_OK when the request was sent. */
pw_status_code pw_call_cancel(pw_call *call);

/* Pumps the client until the call finished or timeout_ms passed (-1: no limit). Returns true
 * when it finished; then *status (if not NULL) is its final status. */
bool pw_call_wait(pw_call *call, int timeout_ms, pw_status *status);

bool pw_call_done(const pw_call *call);
uint64_t pw_call_id(const pw_call *call);
const pw_status *pw_call_status(const pw_call *call); /* meaningful once done */

/* Frees the call; an unfinished call is cancelled first. */
void pw_call_free(pw_call *call);

#ifdef __cplusplus
}
#endif

#endif /* PIXWIZARD_CLIENT_H */

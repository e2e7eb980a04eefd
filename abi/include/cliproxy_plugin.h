/*
 * cliproxy_plugin.h: the cliproxy native plugin ABI, version 1.
 *
 * This header is normative. It describes the CLIProxyAPI plugin ABI v1 (RPC schema 1 to 3)
 * byte for byte: a shared library built against CLIProxyAPI loads in cliproxy unmodified,
 * and the structs, names and rules below are the ones CLIProxyAPI uses.
 *
 * The contract in one paragraph
 * -----------------------------
 * A plugin is a shared library (.so / .dylib / .dll) that exports exactly one symbol,
 * cliproxy_plugin_init. The host calls it once with a host table (functions the plugin
 * may call) and a zeroed plugin table (functions the plugin fills in). After that, every
 * exchange is an RPC: a method name plus a JSON request goes in, a JSON envelope comes back,
 * {"ok":true,"result":{...}} or {"ok":false,"error":{"code":"...","message":"...",
 * "http_status":N}}. Requests are bare JSON objects. The envelope, not the C return code,
 * says whether a call failed.
 *
 * Threads
 * -------
 * The host calls `call` concurrently from many threads and holds no lock per plugin:
 * plugins must be thread-safe and must not rely on thread-local state between calls.
 * A plugin may call host->call re-entrantly from inside its own `call`, and at any time
 * from threads it created itself (until its `shutdown` has returned).
 *
 * The C structs and typedefs between the CFFI markers below are read verbatim by the
 * Python host's cffi build (proxy/native/build.py): keep that block plain C declarations
 * without preprocessor conditionals.
 */
#ifndef CLIPROXY_PLUGIN_H
#define CLIPROXY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) || defined(__CYGWIN__)
#define CLIPROXY_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define CLIPROXY_EXPORT __attribute__((visibility("default")))
#else
#define CLIPROXY_EXPORT
#endif

/* BEGIN CFFI DECLARATIONS */

/* The one ABI version this header describes. The plugin must store exactly this value in
 * cliproxy_plugin_api.abi_version; there is no negotiation and no range. */
#define CLIPROXY_ABI_VERSION 1

/* The highest RPC schema version the host speaks (sent in plugin.register). A plugin
 * answers 1, 2 or 3; 0 or a missing value counts as 1; above 3 is refused. */
#define CLIPROXY_SCHEMA_VERSION 3

/* A byte range handed across the boundary. Bytes are JSON, never NUL-terminated: `len` is
 * the exact byte count. Who frees `ptr`, and with which function, is written next to every
 * place a buffer is produced. */
typedef struct {
    void  *ptr;
    size_t len;
} cliproxy_buffer;

/* Plugin -> host call.
 *   host_ctx     the value of cliproxy_host_api.host_ctx, passed back unchanged.
 *   method       NUL-terminated method name (a CLIPROXY_HOST_* name below). Owned by the
 *                plugin; the host copies it before returning.
 *   request      JSON request, request_len bytes, not NUL-terminated. Owned by the plugin;
 *                the host copies it before returning. May be NULL when request_len is 0.
 *   response     written by the host: first zeroed, then, on return 0, pointed at a new
 *                buffer holding the JSON envelope. The plugin owns that buffer and must
 *                release it with host->free_buffer(ptr, len), never with its own
 *                allocator. May be NULL: the call still runs and its reply is dropped.
 * Returns 0 whenever an envelope was produced, including failures: a failed callback is
 * {"ok":false,"error":{"code":"host_call_failed","message":"..."}} with return 0 (an
 * unknown method too). Returns 1, with no buffer, only when host_ctx or method is NULL,
 * when host_ctx does not name a live plugin (it was shut down), or on allocation failure.
 * Thread-safe; may be called from any thread, re-entrantly from inside the plugin's call. */
typedef int (*cliproxy_host_call_fn)(void *host_ctx, const char *method,
                                     const uint8_t *request, size_t request_len,
                                     cliproxy_buffer *response);

/* Releases a response buffer produced by cliproxy_host_call_fn. `len` is the length the
 * host reported; the host may ignore it. Thread-safe. */
typedef void (*cliproxy_host_free_fn)(void *ptr, size_t len);

/* Filled by the host, read by the plugin. The host keeps this struct, and the memory
 * host_ctx points at, valid and at a fixed address from before cliproxy_plugin_init until
 * the plugin's `shutdown` has returned, so a plugin may store the pointer. A plugin thread
 * that calls host->call after its `shutdown` returned gets return code 1 at best: stop
 * your threads in `shutdown`. */
typedef struct {
    uint32_t              abi_version;  /* CLIPROXY_ABI_VERSION */
    void                 *host_ctx;     /* opaque; identifies this loaded plugin */
    cliproxy_host_call_fn call;
    cliproxy_host_free_fn free_buffer;
} cliproxy_host_api;

/* Host -> plugin call.
 *   method       NUL-terminated method name (a CLIPROXY_METHOD_* name below). Owned by the
 *                host; valid only until `call` returns.
 *   request      JSON request, request_len bytes, not NUL-terminated. Owned by the host;
 *                valid only until `call` returns: copy what you keep.
 *   response     a zeroed buffer owned by the host. The plugin points `ptr` at memory it
 *                allocated with any allocator and sets `len` to its byte count. After
 *                copying, the host calls the plugin's free_buffer(ptr, len) exactly once,
 *                with `len` exactly as the plugin set it, whenever ptr is non-NULL
 *                (even when len is 0 and whatever the return code).
 * Return 0 with an envelope. A non-zero return is still read as an envelope if the bytes
 * are an {"ok":false,"error":{...}} envelope; otherwise it is a transport failure. An empty
 * response with return 0 is an error. Called concurrently from many host threads. */
typedef int (*cliproxy_plugin_call_fn)(const char *method,
                                       const uint8_t *request, size_t request_len,
                                       cliproxy_buffer *response);

/* Releases a buffer the plugin returned from `call`; receives the ptr and len it set. */
typedef void (*cliproxy_plugin_free_fn)(void *ptr, size_t len);

/* Optional teardown. The host calls it at most once, after every in-flight `call` has
 * returned and before it invalidates host_ctx and unloads the library. host->call still
 * works while it runs (for example for host.log). Join your threads here. */
typedef void (*cliproxy_plugin_shutdown_fn)(void);

/* Zeroed by the host, filled by the plugin inside cliproxy_plugin_init. `call` and
 * `free_buffer` are required; `shutdown` may stay NULL. The host copies the table after
 * init returns; changing it later has no effect. */
typedef struct {
    uint32_t                    abi_version;  /* must be CLIPROXY_ABI_VERSION */
    cliproxy_plugin_call_fn     call;
    cliproxy_plugin_free_fn     free_buffer;
    cliproxy_plugin_shutdown_fn shutdown;
} cliproxy_plugin_api;

/* The type of the exported entry point, for hosts that look it up with dlsym. */
typedef int (*cliproxy_plugin_init_fn)(const cliproxy_host_api *host,
                                       cliproxy_plugin_api *plugin);

/* END CFFI DECLARATIONS */

/* The single exported symbol (exact, undecorated C name). Called once per load, before any
 * `call`. host->call already works inside it. Return 0 on success; any other value fails
 * the load, and the host then still calls plugin->shutdown if the plugin had set it. */
CLIPROXY_EXPORT int cliproxy_plugin_init(const cliproxy_host_api *host,
                                         cliproxy_plugin_api *plugin);

/* ---------------------------------------------------------------------------------------
 * Method names, host -> plugin. Which ones a plugin receives depends on the capability
 * flags it declares in its plugin.register reply (docs/plugins.md). Unknown methods should
 * be answered with return 0 and an error envelope (code "unknown_method").
 * ------------------------------------------------------------------------------------- */

/* Lifecycle: always sent. reconfigure has the same request and reply as register and is
 * sent on every config apply after the first; treat it as idempotent. There is no
 * plugin.shutdown RPC: teardown is the C `shutdown` pointer. The name exists for
 * compatibility only. */
#define CLIPROXY_METHOD_PLUGIN_REGISTER              "plugin.register"
#define CLIPROXY_METHOD_PLUGIN_RECONFIGURE           "plugin.reconfigure"
#define CLIPROXY_METHOD_PLUGIN_SHUTDOWN              "plugin.shutdown"

/* model_registrar / model_provider */
#define CLIPROXY_METHOD_MODEL_REGISTER               "model.register"
#define CLIPROXY_METHOD_MODEL_STATIC                 "model.static"
#define CLIPROXY_METHOD_MODEL_FOR_AUTH               "model.for_auth"

/* auth_provider */
#define CLIPROXY_METHOD_AUTH_IDENTIFIER              "auth.identifier"
#define CLIPROXY_METHOD_AUTH_PARSE                   "auth.parse"
#define CLIPROXY_METHOD_AUTH_LOGIN_START             "auth.login.start"
#define CLIPROXY_METHOD_AUTH_LOGIN_POLL              "auth.login.poll"
#define CLIPROXY_METHOD_AUTH_REFRESH                 "auth.refresh"

/* frontend_auth_provider */
#define CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER     "frontend_auth.identifier"
#define CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE   "frontend_auth.authenticate"

/* scheduler, model_router */
#define CLIPROXY_METHOD_SCHEDULER_PICK               "scheduler.pick"
#define CLIPROXY_METHOD_MODEL_ROUTE                  "model.route"

/* executor */
#define CLIPROXY_METHOD_EXECUTOR_IDENTIFIER          "executor.identifier"
#define CLIPROXY_METHOD_EXECUTOR_EXECUTE             "executor.execute"
#define CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM      "executor.execute_stream"
#define CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS        "executor.count_tokens"
#define CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST        "executor.http_request"

/* request_translator, request_normalizer */
#define CLIPROXY_METHOD_REQUEST_TRANSLATE            "request.translate"
#define CLIPROXY_METHOD_REQUEST_NORMALIZE            "request.normalize"

/* request_interceptor, request_lifecycle_plugin */
#define CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE     "request.intercept_before"
#define CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER      "request.intercept_after"
#define CLIPROXY_METHOD_REQUEST_COMPLETE             "request.complete"

/* response_translator, response_before_translator, response_after_translator */
#define CLIPROXY_METHOD_RESPONSE_TRANSLATE           "response.translate"
#define CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE    "response.normalize_before"
#define CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER     "response.normalize_after"

/* response_interceptor, response_stream_interceptor */
#define CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER     "response.intercept_after"
#define CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK "response.intercept_stream_chunk"

/* thinking_applier */
#define CLIPROXY_METHOD_THINKING_IDENTIFIER          "thinking.identifier"
#define CLIPROXY_METHOD_THINKING_APPLY               "thinking.apply"

/* usage_plugin */
#define CLIPROXY_METHOD_USAGE_HANDLE                 "usage.handle"

/* command_line_plugin */
#define CLIPROXY_METHOD_COMMAND_LINE_REGISTER        "command_line.register"
#define CLIPROXY_METHOD_COMMAND_LINE_EXECUTE         "command_line.execute"

/* management_api */
#define CLIPROXY_METHOD_MANAGEMENT_REGISTER          "management.register"
#define CLIPROXY_METHOD_MANAGEMENT_HANDLE            "management.handle"

/* ---------------------------------------------------------------------------------------
 * Host callback names, plugin -> host through cliproxy_host_api.call. Every loaded plugin
 * may call every one of them, whatever its capabilities. Anything else answers
 * host_call_failed "unsupported host callback <method>" with return 0.
 * ------------------------------------------------------------------------------------- */

#define CLIPROXY_HOST_LOG                 "host.log"
#define CLIPROXY_HOST_HTTP_DO             "host.http.do"
#define CLIPROXY_HOST_HTTP_DO_STREAM      "host.http.do_stream"
#define CLIPROXY_HOST_HTTP_STREAM_READ    "host.http.stream_read"
#define CLIPROXY_HOST_HTTP_STREAM_CLOSE   "host.http.stream_close"
#define CLIPROXY_HOST_MODEL_EXECUTE       "host.model.execute"
#define CLIPROXY_HOST_MODEL_EXECUTE_STREAM "host.model.execute_stream"
#define CLIPROXY_HOST_MODEL_STREAM_READ   "host.model.stream_read"
#define CLIPROXY_HOST_MODEL_STREAM_CLOSE  "host.model.stream_close"
/* Executor stream bridge: push chunks for the stream_id received in
 * executor.execute_stream, from any thread, then close it exactly once. */
#define CLIPROXY_HOST_STREAM_EMIT         "host.stream.emit"
#define CLIPROXY_HOST_STREAM_CLOSE        "host.stream.close"
#define CLIPROXY_HOST_AUTH_LIST           "host.auth.list"
#define CLIPROXY_HOST_AUTH_GET            "host.auth.get"
#define CLIPROXY_HOST_AUTH_GET_RUNTIME    "host.auth.get_runtime"
#define CLIPROXY_HOST_AUTH_SAVE           "host.auth.save"
/* cliproxy addition (not in CLIProxyAPI): {} -> {"name","version","abi_version",
 * "schema_min","schema_max"}. A plugin that must also run under CLIProxyAPI should treat
 * a host_call_failed answer as "unknown host". */
#define CLIPROXY_HOST_BUILD_INFO          "host.build_info"

#ifdef __cplusplus
}
#endif

#endif /* CLIPROXY_PLUGIN_H */

/*
 * A deliberately misbehaving plugin for the test suite.
 *
 * Compile-time variants break the load itself:
 *   -DVARIANT_NO_INIT        exports no cliproxy_plugin_init
 *   -DVARIANT_INIT_FAILS     init returns 3 (after setting shutdown, which the host must call)
 *   -DVARIANT_ABI=N          reports ABI version N
 *   -DVARIANT_NULL_CALL      leaves the call pointer NULL
 * At run time the config (`register:`) breaks registration, and the requested model picks
 * how executor.execute / execute_stream misbehave (see the table in execute()).
 *
 * Markers: when CLIPROXY_TEST_DIR is set, the plugin writes small files there so tests can
 * observe what happened inside the process (shutdown ran, an emit failed, ...), and waits
 * for "gate" files the tests create.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "cliproxy_example.h"

#ifndef VARIANT_ABI
#define VARIANT_ABI CLIPROXY_ABI_VERSION
#endif

static const cliproxy_host_api *host;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char register_mode[64] = "ok";
static char format_name[64] = "custom";
static char schema_text[8] = "3";
static char output_name[64] = "openai";
static char auth_update[16] = "";
static char plugin_name[64] = "testplugin";
static int shut_down;

/* ------------------------------------------------------------------ allocation ledger */

#define LEDGER_SIZE 4096
static struct { void *ptr; size_t len; } ledger[LEDGER_SIZE];
static long allocated, freed, bad_frees;

static void *ledger_track(void *ptr, size_t len) {
    pthread_mutex_lock(&lock);
    allocated++;
    for (int i = 0; i < LEDGER_SIZE; i++)
        if (!ledger[i].ptr) { ledger[i].ptr = ptr; ledger[i].len = len; break; }
    pthread_mutex_unlock(&lock);
    return ptr;
}

static void plugin_free(void *ptr, size_t len) {
    pthread_mutex_lock(&lock);
    int found = 0;
    for (int i = 0; i < LEDGER_SIZE; i++)
        if (ledger[i].ptr == ptr) {
            found = 1;
            if (ledger[i].len != len) bad_frees++;
            ledger[i].ptr = NULL;
            break;
        }
    if (found) freed++; else bad_frees++;
    pthread_mutex_unlock(&lock);
    if (found) free(ptr);
}

static int reply_bytes(cliproxy_buffer *response, const char *bytes, size_t n, int rc) {
    char *copy = malloc(n ? n : 1);
    memcpy(copy, bytes, n);
    response->ptr = ledger_track(copy, n);
    response->len = n;
    return rc;
}

static int reply_text(cliproxy_buffer *response, const char *text, int rc) {
    return reply_bytes(response, text, strlen(text), rc);
}

static int reply_buf(cliproxy_buffer *response, cpx_buf *b, int rc) {
    int out = reply_bytes(response, b->data ? b->data : "", b->len, rc);
    free(b->data);
    return out;
}

/* ------------------------------------------------------------------ markers and gates */

static void marker(const char *name, const char *content) {
    const char *dir = getenv("CLIPROXY_TEST_DIR");
    if (!dir) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) { fputs(content, f); fclose(f); }
}

/* Waits until the gate file exists (the test opens it), at most 60 s. */
static void wait_gate(const char *name) {
    const char *dir = getenv("CLIPROXY_TEST_DIR");
    if (!dir) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++) usleep(10000);
}

/* ------------------------------------------------------------------ host calls */

static int host_call(const char *method, const char *json, cpx_buf *reply_out) {
    cliproxy_buffer reply = {0};
    int rc = host->call(host->host_ctx, method, (const uint8_t *)json, strlen(json), &reply);
    if (reply.ptr) {
        if (reply_out) cpx_buf_append(reply_out, reply.ptr, reply.len);
        host->free_buffer(reply.ptr, reply.len);
    }
    return rc;
}

static int emit(const char *stream_id, const char *payload) {
    cpx_buf req = {0}, reply = {0};
    cpx_buf_puts(&req, "{\"stream_id\":");
    cpx_buf_json_string(&req, stream_id, strlen(stream_id));
    cpx_buf_puts(&req, ",\"payload\":\"");
    cpx_buf_base64(&req, (const unsigned char *)payload, strlen(payload));
    cpx_buf_puts(&req, "\"}");
    cpx_buf_append(&req, "", 1);
    host_call(CLIPROXY_HOST_STREAM_EMIT, req.data, &reply);
    int ok = reply.len > 10 && !memcmp(reply.data, "{\"ok\":true", 10);
    free(req.data);
    free(reply.data);
    return ok;
}

static void close_stream(const char *stream_id, const char *error) {
    cpx_buf req = {0};
    cpx_buf_puts(&req, "{\"stream_id\":");
    cpx_buf_json_string(&req, stream_id, strlen(stream_id));
    cpx_buf_puts(&req, ",\"error\":");
    cpx_buf_json_string(&req, error, strlen(error));
    cpx_buf_puts(&req, "}");
    cpx_buf_append(&req, "", 1);
    host_call(CLIPROXY_HOST_STREAM_CLOSE, req.data, NULL);
    free(req.data);
}

/* ------------------------------------------------------------------ registration */

/* garbage-everywhere: every capability declared, every capability method answered with
 * values of the wrong JSON types; only the model list and the executor work. */
static const char GARBAGE_REGISTRATION[] =
    "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"g\",\"Version\":\"1\",\"Author\":\"a\","
    "\"GitHubRepository\":\"r\"},\"capabilities\":{\"model_registrar\":true,\"model_provider\":true,"
    "\"auth_provider\":true,\"frontend_auth_provider\":true,\"scheduler\":true,\"model_router\":true,"
    "\"executor\":true,\"executor_input_formats\":[\"openai\"],\"executor_output_formats\":[\"openai\"],"
    "\"request_translator\":true,\"request_normalizer\":true,\"request_interceptor\":true,"
    "\"request_lifecycle_plugin\":true,\"response_translator\":true,\"response_before_translator\":true,"
    "\"response_after_translator\":true,\"response_interceptor\":true,\"response_stream_interceptor\":true,"
    "\"thinking_applier\":true,\"usage_plugin\":true,\"command_line_plugin\":true,\"management_api\":true}}}";
static const char GARBAGE_REPLY[] =
    "{\"ok\":true,\"result\":{\"identifier\":5,\"Handled\":\"yes\",\"Authenticated\":\"no\",\"Headers\":5,"
    "\"Body\":7,\"ClearHeaders\":\"X\",\"TargetKind\":1,\"AuthID\":[],\"DropChunk\":\"x\",\"Flags\":\"x\","
    "\"routes\":\"x\",\"resources\":1,\"StatusCode\":\"200\",\"Auth\":3,\"Status\":4}}";

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    const char *encoded = cpx_json_str(cpx_json_get(request, "config_yaml"));
    if (encoded) {
        size_t n;
        unsigned char *yaml = cpx_base64_decode(encoded, strlen(encoded), &n);
        if (yaml) {
            pthread_mutex_lock(&lock);
            if (!cpx_config_value((const char *)yaml, n, "register", register_mode, sizeof register_mode))
                strcpy(register_mode, "ok");
            if (!cpx_config_value((const char *)yaml, n, "name", plugin_name, sizeof plugin_name))
                strcpy(plugin_name, "testplugin");
            if (!cpx_config_value((const char *)yaml, n, "schema", schema_text, sizeof schema_text))
                strcpy(schema_text, "3");
            if (!cpx_config_value((const char *)yaml, n, "auth-update", auth_update, sizeof auth_update))
                auth_update[0] = 0;
            if (!cpx_config_value((const char *)yaml, n, "output", output_name, sizeof output_name))
                strcpy(output_name, "openai");
            if (!cpx_config_value((const char *)yaml, n, "format", format_name, sizeof format_name))
                strcpy(format_name, "custom");
            pthread_mutex_unlock(&lock);
            free(yaml);
        }
    }
    static const struct { const char *mode, *reply; } broken[] = {
        {"error", "{\"ok\":false,\"error\":{\"code\":\"plugin_error\",\"message\":\"license key missing\"}}"},
        {"garbage", "this is not json"},
        {"no-capabilities", "{\"ok\":true,\"result\":{\"schema_version\":1,\"metadata\":{\"Name\":\"t\",\"Version\":\"1\",\"Author\":\"a\",\"GitHubRepository\":\"r\"},\"capabilities\":{}}}"},
        {"no-metadata", "{\"ok\":true,\"result\":{\"schema_version\":1,\"metadata\":{\"Name\":\"t\"},\"capabilities\":{\"executor\":true}}}"},
        {"schema-4", "{\"ok\":true,\"result\":{\"schema_version\":4,\"metadata\":{\"Name\":\"t\",\"Version\":\"1\",\"Author\":\"a\",\"GitHubRepository\":\"r\"},\"capabilities\":{\"executor\":true}}}"},
        {"made-up-only", "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"t\",\"Version\":\"1\",\"Author\":\"a\",\"GitHubRepository\":\"r\"},\"capabilities\":{\"model_provider\":true,\"executor\":true,\"executor_input_formats\":[\"made-up\",\"none\",\"\"],\"executor_output_formats\":[\"made-up\"]}}}"},
        {"wrong-types", "{\"ok\":true,\"result\":{\"schema_version\":\"one\",\"metadata\":{},\"capabilities\":{}}}"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++)
        if (!strcmp(register_mode, broken[i].mode)) return reply_text(response, broken[i].reply, 0);
    if (!strcmp(register_mode, "custom-format")) {
        /* an executor speaking `format`, with a request translator into it (a copy) */
        cpx_buf b = {0};
        cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"t\",\"Version\":\"1\","
                         "\"Author\":\"a\",\"GitHubRepository\":\"r\"},\"capabilities\":{\"model_provider\":true,"
                         "\"executor\":true,\"request_translator\":true,\"executor_input_formats\":[");
        cpx_buf_json_string(&b, format_name, strlen(format_name));
        cpx_buf_puts(&b, "],\"executor_output_formats\":[");
        cpx_buf_json_string(&b, output_name, strlen(output_name));
        cpx_buf_puts(&b, "]}}}");
        return reply_buf(response, &b, 0);
    }
    if (!strcmp(register_mode, "garbage-everywhere"))
        return reply_text(response, GARBAGE_REGISTRATION, 0);
    if (!strcmp(register_mode, "router")) {
        /* routes requests carrying X-Test-Route to its own executor */
        return reply_text(response,
            "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"t\",\"Version\":\"1\","
            "\"Author\":\"a\",\"GitHubRepository\":\"r\"},\"capabilities\":{\"model_provider\":true,"
            "\"executor\":true,\"model_router\":true,\"executor_input_formats\":[\"openai\"],"
            "\"executor_output_formats\":[\"openai\"]}}}", 0);
    }
    if (!strcmp(register_mode, "stream-interceptor")) {
        /* records what each chunk call carried, under its schema version (config `schema`) */
        cpx_buf b = {0};
        cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"schema_version\":");
        cpx_buf_puts(&b, schema_text);
        cpx_buf_puts(&b, ",\"metadata\":{\"Name\":\"t\",\"Version\":\"1\",\"Author\":\"a\",\"GitHubRepository\":\"r\"},"
                         "\"capabilities\":{\"response_stream_interceptor\":true}}}");
        return reply_buf(response, &b, 0);
    }
    /* ok: Go-style case-insensitive keys on purpose ("Metadata", "name"). */
    return reply_text(response,
        "{\"ok\":true,\"result\":{\"schema_version\":3,\"Metadata\":{\"name\":\"testplugin\",\"Version\":\"9.9.9\","
        "\"Author\":\"tests\",\"GitHubRepository\":\"https://example.invalid/testplugin\"},"
        "\"capabilities\":{\"model_provider\":true,\"executor\":true,"
        "\"executor_input_formats\":[\"Chat-Completions\"],\"executor_output_formats\":[\"openai\"]}}}", 0);
}

static const char *const MODELS[] = {
    "test-ok", "test-bad-json", "test-rc-envelope", "test-rc-raw", "test-empty", "test-empty-len0",
    "test-error-status", "test-error-plain", "test-wrong-type", "test-hang", "test-json-error-body",
    "test-sync-emit", "test-gated", "test-stream-error-early", "test-stream-close-error",
    "test-stream-error-first", "test-inline-err", "test-never-close", "test-slow-inline", "test-reflect",
    "test-nested", "test-nested-stream", "test-host-calls",
};

static int handle_models(cliproxy_buffer *response) {
    cpx_buf b = {0};
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Provider\":");
    cpx_buf_json_string(&b, plugin_name, strlen(plugin_name));
    cpx_buf_puts(&b, ",\"Models\":[");
    for (size_t i = 0; i < sizeof MODELS / sizeof *MODELS; i++) {
        cpx_buf_puts(&b, i ? ",{\"ID\":" : "{\"ID\":");
        cpx_buf_json_string(&b, MODELS[i], strlen(MODELS[i]));
        cpx_buf_puts(&b, ",\"OwnedBy\":");
        cpx_buf_json_string(&b, plugin_name, strlen(plugin_name));
        cpx_buf_puts(&b, ",\"Created\":1}");
    }
    cpx_buf_puts(&b, "]}}");
    return reply_buf(response, &b, 0);
}

/* ------------------------------------------------------------------ execution */

typedef struct {
    char model[128];
    char user[128];     /* the payload's "user" field: names gates and markers */
    long count;         /* the payload's "max_tokens": how many chunks to emit */
    char stream_id[32];
} exec_request;

static void read_exec(const cpx_json *request, exec_request *out) {
    memset(out, 0, sizeof *out);
    const char *model = cpx_json_str(cpx_json_get(request, "Model"));
    const char *stream_id = cpx_json_str(cpx_json_get(request, "stream_id"));
    if (model) snprintf(out->model, sizeof out->model, "%s", model);
    if (stream_id) snprintf(out->stream_id, sizeof out->stream_id, "%s", stream_id);
    const char *encoded = cpx_json_str(cpx_json_get(request, "Payload"));
    if (!encoded) return;
    size_t n;
    unsigned char *raw = cpx_base64_decode(encoded, strlen(encoded), &n);
    if (!raw) return;
    cpx_doc doc = cpx_json_parse(raw, n);
    const char *user = cpx_json_str(cpx_json_get(doc.root, "user"));
    const cpx_json *count = cpx_json_get(doc.root, "max_tokens");
    if (user) snprintf(out->user, sizeof out->user, "%s", user);
    if (count && count->kind == CPX_NUMBER) out->count = (long)count->number;
    cpx_json_free(&doc);
    free(raw);
}

static void chunk_json(cpx_buf *b, const char *content) {
    cpx_buf_puts(b, "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":");
    cpx_buf_json_string(b, content, strlen(content));
    cpx_buf_puts(b, "}}]}");
    cpx_buf_append(b, "", 1);
}

static int execute(const exec_request *r, cliproxy_buffer *response) {
    const char *m = r->model;
    static const struct { const char *model, *reply; int rc; } canned[] = {
        {"test-bad-json", "{not json", 0},
        {"test-rc-envelope", "{\"ok\":false,\"error\":{\"code\":\"x\",\"message\":\" quota exhausted \",\"http_status\":429}}", 1},
        {"test-rc-raw", "boom", 7},
        {"test-error-status", "{\"ok\":false,\"error\":{\"code\":\"teapot\",\"message\":\"I am a teapot\",\"http_status\":418}}", 0},
        {"test-error-plain", "{\"ok\":false,\"error\":{\"code\":\"plugin_error\",\"message\":\"backend unavailable\"}}", 0},
        {"test-json-error-body", "{\"ok\":false,\"error\":{\"message\":\"{\\\"error\\\":{\\\"message\\\":\\\"upstream says no\\\",\\\"type\\\":\\\"upstream\\\"}}\",\"http_status\":409}}", 0},
        {"test-wrong-type", "{\"ok\":true,\"result\":{\"Payload\":123}}", 0},
    };
    for (size_t i = 0; i < sizeof canned / sizeof *canned; i++)
        if (!strcmp(m, canned[i].model)) return reply_text(response, canned[i].reply, canned[i].rc);
    if (!strcmp(m, "test-empty")) return 0;
    if (!strcmp(m, "test-empty-len0")) { response->ptr = ledger_track(malloc(1), 0); response->len = 0; return 0; }
    if (!strcmp(m, "test-hang")) {
        marker("hang-started", "yes");
        wait_gate("release-hang");
        return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    }
    /* test-ok, and any other model: a small chat.completion */
    cpx_buf b = {0};
    static const char body[] = "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}";
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Payload\":\"");
    cpx_buf_base64(&b, (const unsigned char *)body, sizeof body - 1);
    cpx_buf_puts(&b, "\"}}");
    return reply_buf(response, &b, 0);
}

static int is_model(const cpx_json *request, const char *model) {
    const char *m = cpx_json_str(cpx_json_get(request, "Model"));
    return m && !strcmp(m, model);
}

/* test-reflect: the answer's content is the ExecutorRequest exactly as the plugin got it,
 * so tests can check what reached the executor (headers, credential, formats, payload). */
static int reflect(const void *request, size_t request_len, cliproxy_buffer *response) {
    cpx_buf content = {0}, body = {0}, b = {0};
    cpx_buf_json_string(&content, (const char *)request, request_len);
    cpx_buf_puts(&body, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_append(&body, content.data, content.len);
    cpx_buf_puts(&body, "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}");
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Payload\":\"");
    cpx_buf_base64(&b, (const unsigned char *)body.data, body.len);
    cpx_buf_puts(&b, "\"}}");
    free(content.data);
    free(body.data);
    return reply_buf(response, &b, 0);
}

/* The string value of `key` in a host reply's result ("" when absent). */
static void result_string(const cpx_buf *reply, const char *key, char *out, size_t size) {
    out[0] = 0;
    cpx_doc doc = cpx_json_parse(reply->data, reply->len);
    const char *value = cpx_json_str(cpx_json_get(cpx_json_get(doc.root, "result"), key));
    if (value) snprintf(out, size, "%s", value);
    cpx_json_free(&doc);
}

/* test-nested / test-nested-stream: runs the model named in the payload's "user" through
 * host.model.execute (or execute_stream + stream_read until done + stream_close), with the
 * header X-Test-Route, and answers with the host's replies, one per line. */
static int nested(const cpx_json *request, int streaming, cliproxy_buffer *response) {
    exec_request r;
    read_exec(request, &r);
    const char *callback = cpx_json_str(cpx_json_get(request, "host_callback_id"));
    cpx_buf body = {0}, call = {0}, replies = {0}, reply = {0};
    cpx_buf_puts(&body, "{\"model\":");
    cpx_buf_json_string(&body, r.user, strlen(r.user));
    cpx_buf_puts(&body, ",\"messages\":[{\"role\":\"user\",\"content\":\"nested call\"}]}");
    cpx_buf_puts(&call, "{\"entry_protocol\":\"openai\",\"stream\":");
    cpx_buf_puts(&call, streaming ? "true" : "false");
    cpx_buf_puts(&call, ",\"body\":\"");
    cpx_buf_base64(&call, (const unsigned char *)body.data, body.len);
    cpx_buf_puts(&call, "\",\"headers\":{\"X-Test-Route\":[\"1\"]},\"host_callback_id\":");
    cpx_buf_json_string(&call, callback ? callback : "", callback ? strlen(callback) : 0);
    cpx_buf_puts(&call, "}");
    cpx_buf_append(&call, "", 1);
    host_call(streaming ? CLIPROXY_HOST_MODEL_EXECUTE_STREAM : CLIPROXY_HOST_MODEL_EXECUTE, call.data, &reply);
    cpx_buf_append(&replies, reply.data, reply.len);
    char stream_id[32];
    result_string(&reply, "stream_id", stream_id, sizeof stream_id);
    for (int i = 0; streaming && stream_id[0] && i < 100; i++) {
        char read[96];
        snprintf(read, sizeof read, "{\"stream_id\":\"%s\"}", stream_id);
        reply.len = 0;
        host_call(CLIPROXY_HOST_MODEL_STREAM_READ, read, &reply);
        cpx_buf_puts(&replies, "\n");
        cpx_buf_append(&replies, reply.data, reply.len);
        if (cpx_contains(reply.data, reply.len, "\"done\":true")) break;
    }
    if (streaming && stream_id[0]) {
        char close_request[96];
        snprintf(close_request, sizeof close_request, "{\"stream_id\":\"%s\"}", stream_id);
        host_call(CLIPROXY_HOST_MODEL_STREAM_CLOSE, close_request, NULL);
    }
    cpx_buf content = {0}, completion = {0}, b = {0};
    cpx_buf_json_string(&content, replies.data ? replies.data : "", replies.len);
    cpx_buf_puts(&completion, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_append(&completion, content.data, content.len);
    cpx_buf_puts(&completion, "},\"finish_reason\":\"stop\"}]}");
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Payload\":\"");
    cpx_buf_base64(&b, (const unsigned char *)completion.data, completion.len);
    cpx_buf_puts(&b, "\"}}");
    free(body.data); free(call.data); free(replies.data); free(reply.data);
    free(content.data); free(completion.data);
    return reply_buf(response, &b, 0);
}

/* `text` with every "{cb}" replaced by `callback` and "{stream}" by `stream`. */
static void substitute(cpx_buf *out, const char *text, size_t n, const char *callback, const char *stream) {
    for (size_t i = 0; i < n; i++) {
        if (n - i >= 4 && !memcmp(text + i, "{cb}", 4)) { cpx_buf_puts(out, callback); i += 3; }
        else if (n - i >= 8 && !memcmp(text + i, "{stream}", 8)) { cpx_buf_puts(out, stream); i += 7; }
        else cpx_buf_append(out, text + i, 1);
    }
}

/* test-host-calls: the last message is a JSON array of [method, request] pairs, made in
 * order ("{cb}" is this call's host_callback_id, "{stream}" the last stream_id a reply
 * named) from this call's thread, or from a thread of the plugin's own when the payload's
 * "user" is "thread"; the answer lists the host's replies, one per line. */
typedef struct {
    const cpx_json *calls;
    const char *callback;
    cpx_buf replies;
} call_list;

static void *make_calls(void *arg) {
    call_list *list = arg;
    char stream[32] = "";
    for (const cpx_json *c = list->calls ? list->calls->child : NULL; c; c = c->next) {
        const char *method = cpx_json_str(c->child);
        const cpx_json *body = c->child ? c->child->next : NULL;
        if (!method || !body) continue;
        cpx_buf call = {0}, reply = {0};
        substitute(&call, body->raw, body->raw_len, list->callback, stream);
        cpx_buf_append(&call, "", 1);
        host_call(method, call.data, &reply);
        char found[32];
        result_string(&reply, "stream_id", found, sizeof found);
        if (found[0]) snprintf(stream, sizeof stream, "%s", found);
        if (list->replies.len) cpx_buf_puts(&list->replies, "\n");
        cpx_buf_append(&list->replies, reply.data ? reply.data : "", reply.len);
        free(call.data);
        free(reply.data);
    }
    return NULL;
}

static int host_calls(const cpx_json *request, cliproxy_buffer *response) {
    exec_request r;
    read_exec(request, &r);
    const char *callback = cpx_json_str(cpx_json_get(request, "host_callback_id"));
    const char *encoded = cpx_json_str(cpx_json_get(request, "Payload"));
    size_t n = 0;
    unsigned char *raw = encoded ? cpx_base64_decode(encoded, strlen(encoded), &n) : NULL;
    cpx_doc payload = cpx_json_parse(raw ? (const char *)raw : "{}", raw ? n : 2);
    cpx_buf text = {0};
    cpx_last_message_text(payload.root, &text);
    cpx_doc calls = cpx_json_parse(text.data ? text.data : "[]", text.data ? text.len : 2);
    call_list list = {calls.root, callback ? callback : "", {0}};
    if (!strcmp(r.user, "thread")) {
        pthread_t t;
        pthread_create(&t, NULL, make_calls, &list);
        pthread_join(t, NULL);
    } else {
        make_calls(&list);
    }
    cpx_buf content = {0}, completion = {0}, b = {0};
    cpx_buf_json_string(&content, list.replies.data ? list.replies.data : "", list.replies.len);
    cpx_buf_puts(&completion, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_append(&completion, content.data, content.len);
    cpx_buf_puts(&completion, "},\"finish_reason\":\"stop\"}]}");
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Payload\":\"");
    cpx_buf_base64(&b, (const unsigned char *)completion.data, completion.len);
    cpx_buf_puts(&b, "\"}}");
    cpx_json_free(&calls);
    cpx_json_free(&payload);
    free(raw); free(text.data); free(list.replies.data); free(content.data); free(completion.data);
    return reply_buf(response, &b, 0);
}

/* executor.count_tokens: {"input_tokens": <payload length>, "format": <Format>} */
static int count_tokens(const cpx_json *request, cliproxy_buffer *response) {
    const char *payload = cpx_json_str(cpx_json_get(request, "Payload"));
    const char *format = cpx_json_str(cpx_json_get(request, "Format"));
    size_t n = 0;
    unsigned char *decoded = payload ? cpx_base64_decode(payload, strlen(payload), &n) : NULL;
    free(decoded);
    cpx_buf body = {0}, b = {0};
    cpx_buf_printf(&body, "{\"input_tokens\":%lld,\"format\":", (long long)n);
    cpx_buf_json_string(&body, format ? format : "", format ? strlen(format) : 0);
    cpx_buf_puts(&body, "}");
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Payload\":\"");
    cpx_buf_base64(&b, (const unsigned char *)body.data, body.len);
    cpx_buf_puts(&b, "\"}}");
    free(body.data);
    return reply_buf(response, &b, 0);
}

/* executor.http_request: 201, the credential in a header, "<Method> <URL>" as the body */
static int http_request(const cpx_json *request, cliproxy_buffer *response) {
    const char *auth = cpx_json_str(cpx_json_get(request, "AuthID"));
    const char *method = cpx_json_str(cpx_json_get(request, "Method"));
    const char *url = cpx_json_str(cpx_json_get(request, "URL"));
    cpx_buf text = {0}, b = {0};
    cpx_buf_puts(&text, method ? method : "");
    cpx_buf_puts(&text, " ");
    cpx_buf_puts(&text, url ? url : "");
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"StatusCode\":201,\"Headers\":{\"X-Auth\":[");
    cpx_buf_json_string(&b, auth ? auth : "", auth ? strlen(auth) : 0);
    cpx_buf_puts(&b, "]},\"Body\":\"");
    cpx_buf_base64(&b, (const unsigned char *)text.data, text.len);
    cpx_buf_puts(&b, "\"}}");
    free(text.data);
    return reply_buf(response, &b, 0);
}

/* stream-interceptor: marker chunk-<index> says whether the request bodies came along and
 * how many history chunks there were; the chunk itself passes unchanged. */
static int record_chunk_call(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *index = cpx_json_get(request, "ChunkIndex");
    const cpx_json *history = cpx_json_get(request, "HistoryChunks");
    char name[64], text[128];
    snprintf(name, sizeof name, "%s-chunk-%g", plugin_name, index ? index->number : -99.0);
    size_t count = 0;
    for (const cpx_json *c = history ? history->child : NULL; c; c = c->next) count++;
    snprintf(text, sizeof text, "original=%s body=%s history=%zu",
             cpx_json_str(cpx_json_get(request, "OriginalRequest")) ? "yes" : "no",
             cpx_json_str(cpx_json_get(request, "RequestBody")) ? "yes" : "no", count);
    marker(name, text);
    return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
}

/* custom-format: requests into `format` are copied unchanged; other pairs are declined */
static int translate_copy(const cpx_json *request, cliproxy_buffer *response) {
    const char *to = cpx_json_str(cpx_json_get(request, "ToFormat"));
    const char *body = cpx_json_str(cpx_json_get(request, "Body"));
    if (!to || !body || strcmp(to, format_name)) return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    cpx_buf b = {0};
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Body\":");
    cpx_buf_json_string(&b, body, strlen(body));
    cpx_buf_puts(&b, "}}");
    return reply_buf(response, &b, 0);
}

static void *gated_worker(void *arg) {
    exec_request *r = arg;
    cpx_buf c = {0};
    char gate[256];
    snprintf(gate, sizeof gate, "gate-%s", r->user);
    if (strstr(r->user, "late")) wait_gate(gate); /* nothing reaches the client before the gate */
    chunk_json(&c, "first");
    emit(r->stream_id, c.data);
    wait_gate(gate);
    c.len = 0;
    chunk_json(&c, "second");
    int ok = emit(r->stream_id, c.data);
    if (!strncmp(r->user, "disconnect", 10)) {
        for (int i = 0; ok && i < 100000; i++) { ok = emit(r->stream_id, c.data); usleep(1000); }
        char name[256];
        snprintf(name, sizeof name, "emit-failed-%s", r->user);
        marker(name, ok ? "no" : "yes");
    }
    close_stream(r->stream_id, "");
    free(c.data);
    free(r);
    return NULL;
}

static int execute_stream(const exec_request *r, cliproxy_buffer *response) {
    const char *m = r->model;
    if (!strcmp(m, "test-stream-error-early"))
        return reply_text(response, "{\"ok\":false,\"error\":{\"message\":\"slow down\",\"http_status\":429}}", 0);
    if (!strcmp(m, "test-inline-err"))
        return reply_text(response, "{\"ok\":true,\"result\":{\"chunks\":[{\"Payload\":\"e30=\",\"Err\":\"boom\"}]}}", 0);
    if (!strcmp(m, "test-sync-emit")) {
        cpx_buf c = {0};
        char text[32];
        for (long i = 0; i < r->count; i++) {
            c.len = 0;
            snprintf(text, sizeof text, "%ld", i);
            chunk_json(&c, text);
            if (!emit(r->stream_id, c.data)) break;
        }
        free(c.data);
        close_stream(r->stream_id, "");
        return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    }
    if (!strcmp(m, "test-stream-close-error") || !strcmp(m, "test-stream-error-first")) {
        if (!strcmp(m, "test-stream-close-error")) {
            cpx_buf c = {0};
            chunk_json(&c, "partial");
            emit(r->stream_id, c.data);
            free(c.data);
        }
        close_stream(r->stream_id, "upstream exploded");
        return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    }
    if (!strcmp(m, "test-never-close")) return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    if (!strcmp(m, "test-gated")) {
        char started[256];
        snprintf(started, sizeof started, "stream-started-%s", r->user);
        marker(started, "yes");
        exec_request *copy = malloc(sizeof *copy);
        *copy = *r;
        pthread_t t;
        pthread_create(&t, NULL, gated_worker, copy);
        pthread_detach(t);
        return reply_text(response, "{\"ok\":true,\"result\":{\"headers\":{\"X-Test\":[\"gated\"]}}}", 0);
    }
    if (!strcmp(m, "test-slow-inline")) wait_gate("release-slow");
    /* test-ok and the rest: two inline chunks */
    cpx_buf b = {0}, c = {0};
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"chunks\":[{\"Payload\":\"");
    chunk_json(&c, "in");
    cpx_buf_base64(&b, (const unsigned char *)c.data, c.len - 1);
    cpx_buf_puts(&b, "\",\"Err\":null},{\"Payload\":\"");
    c.len = 0;
    chunk_json(&c, "line");
    cpx_buf_base64(&b, (const unsigned char *)c.data, c.len - 1);
    cpx_buf_puts(&b, "\"}]}}");
    free(c.data);
    return reply_buf(response, &b, 0);
}

/* ------------------------------------------------------------------ test-only methods */

static void *callback_thread(void *arg) {
    cpx_buf *out = arg;
    int rc = host_call(CLIPROXY_HOST_LOG, "{\"level\":\"info\",\"message\":\"from a plugin thread\"}", out);
    cpx_buf_printf(out, " rc=%lld", rc);
    return NULL;
}

static void *after_shutdown_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < 6000; i++) {
        pthread_mutex_lock(&lock);
        int done = shut_down;
        pthread_mutex_unlock(&lock);
        if (done) break;
        usleep(10000);
    }
    usleep(20000); /* let the host finish its side of the shutdown */
    cliproxy_buffer reply = {0};
    int rc = host->call(host->host_ctx, CLIPROXY_HOST_LOG, (const uint8_t *)"{}", 2, &reply);
    char text[64];
    snprintf(text, sizeof text, "rc=%d ptr=%s", rc, reply.ptr ? "set" : "null");
    marker("after-shutdown", text);
    return NULL;
}

static int test_method(const char *method, cliproxy_buffer *response) {
    cpx_buf b = {0};
    if (!strcmp(method, "test.frees")) {
        pthread_mutex_lock(&lock);
        cpx_buf_printf(&b, "{\"ok\":true,\"result\":{\"allocated\":%lld", allocated);
        cpx_buf_printf(&b, ",\"freed\":%lld", freed);
        cpx_buf_printf(&b, ",\"bad_frees\":%lld}}", bad_frees);
        pthread_mutex_unlock(&lock);
        return reply_buf(response, &b, 0);
    }
    if (!strcmp(method, "test.reentrant")) {
        cpx_buf log = {0}, info = {0}, unknown = {0};
        int rc1 = host_call(CLIPROXY_HOST_LOG, "{\"level\":\"warn\",\"message\":\"re-entrant hello\",\"fields\":{\"k\":1}}", &log);
        int rc2 = host_call(CLIPROXY_HOST_BUILD_INFO, "{}", &info);
        int rc3 = host_call("host.nope", "{}", &unknown);
        int rc4 = host->call(NULL, CLIPROXY_HOST_LOG, NULL, 0, NULL);
        int rc5 = host->call(host->host_ctx, NULL, NULL, 0, NULL);
        cpx_buf_printf(&b, "{\"ok\":true,\"result\":{\"rc\":[%lld", rc1);
        cpx_buf_printf(&b, ",%lld", rc2);
        cpx_buf_printf(&b, ",%lld", rc3);
        cpx_buf_printf(&b, ",%lld", rc4);
        cpx_buf_printf(&b, ",%lld],\"log\":", rc5);
        cpx_buf_append(&b, log.data, log.len);
        cpx_buf_puts(&b, ",\"info\":");
        cpx_buf_append(&b, info.data, info.len);
        cpx_buf_puts(&b, ",\"unknown\":");
        cpx_buf_append(&b, unknown.data, unknown.len);
        cpx_buf_puts(&b, "}}");
        free(log.data); free(info.data); free(unknown.data);
        return reply_buf(response, &b, 0);
    }
    if (!strcmp(method, "test.thread_callback")) {
        cpx_buf out = {0};
        pthread_t t;
        pthread_create(&t, NULL, callback_thread, &out);
        pthread_join(t, NULL);
        cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"reply\":");
        cpx_buf_json_string(&b, out.data ? out.data : "", out.len);
        cpx_buf_puts(&b, "}}");
        free(out.data);
        return reply_buf(response, &b, 0);
    }
    if (!strcmp(method, "test.callback_after_shutdown")) {
        pthread_t t;
        pthread_create(&t, NULL, after_shutdown_thread, NULL);
        pthread_detach(t);
        return reply_text(response, "{\"ok\":true,\"result\":{}}", 0);
    }
    return -1;
}

/* ------------------------------------------------------------------ dispatch */

static int plugin_call(const char *method, const uint8_t *request, size_t request_len,
                       cliproxy_buffer *response) {
    if (!method) return 1;
    int rc = test_method(method, response);
    if (rc >= 0) return rc;
    cpx_doc doc = cpx_json_parse(request, request_len);
    if (!doc.root) {
        cpx_json_free(&doc);
        return reply_text(response, "{\"ok\":false,\"error\":{\"code\":\"invalid_request\",\"message\":\"request is not JSON\"}}", 0);
    }
    if (!strcmp(method, CLIPROXY_METHOD_PLUGIN_REGISTER) || !strcmp(method, CLIPROXY_METHOD_PLUGIN_RECONFIGURE)) {
        rc = handle_register(doc.root, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_MODEL_STATIC)) {
        rc = handle_models(response);
    } else if (!strcmp(method, CLIPROXY_METHOD_MODEL_FOR_AUTH) && auth_update[0]) {
        /* config `auth-update: X`: no models of its own, but a metadata update to persist */
        cpx_buf b = {0};
        cpx_buf_puts(&b, "{\"ok\":true,\"result\":{\"Provider\":\"\",\"Models\":null,\"AuthUpdate\":{\"Metadata\":{\"checked_by\":");
        cpx_buf_json_string(&b, auth_update, strlen(auth_update));
        cpx_buf_puts(&b, "}}}}");
        rc = reply_buf(response, &b, 0);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS)) {
        rc = count_tokens(doc.root, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST)) {
        rc = http_request(doc.root, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK)) {
        rc = record_chunk_call(doc.root, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_REQUEST_TRANSLATE) && !strcmp(register_mode, "custom-format")) {
        rc = translate_copy(doc.root, response);
    } else if (!strcmp(register_mode, "garbage-everywhere") && strncmp(method, "executor.execute", 16)) {
        rc = reply_text(response, GARBAGE_REPLY, 0);
    } else if (!strcmp(method, CLIPROXY_METHOD_MODEL_ROUTE)) {
        const cpx_json *headers = cpx_json_get(doc.root, "Headers");
        rc = reply_text(response, cpx_json_get(headers, "X-Test-Route")
            ? "{\"ok\":true,\"result\":{\"Handled\":true,\"TargetKind\":\"self\"}}"
            : "{\"ok\":true,\"result\":{\"Handled\":false}}", 0);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE) &&
               (is_model(doc.root, "test-nested") || is_model(doc.root, "test-nested-stream"))) {
        rc = nested(doc.root, is_model(doc.root, "test-nested-stream"), response);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE) && is_model(doc.root, "test-host-calls")) {
        rc = host_calls(doc.root, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE) && is_model(doc.root, "test-reflect")) {
        rc = reflect(request, request_len, response);
    } else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE) || !strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM)) {
        exec_request r;
        read_exec(doc.root, &r);
        rc = !strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE) ? execute(&r, response) : execute_stream(&r, response);
    } else {
        char text[256];
        snprintf(text, sizeof text, "{\"ok\":false,\"error\":{\"code\":\"unknown_method\",\"message\":\"unknown method %s\"}}", method);
        rc = reply_text(response, text, 0);
    }
    cpx_json_free(&doc);
    return rc;
}

static void plugin_shutdown(void) {
    pthread_mutex_lock(&lock);
    shut_down = 1;
    pthread_mutex_unlock(&lock);
    char name[128];
    snprintf(name, sizeof name, "shutdown-%s", plugin_name);
    marker(name, "done");
}

#ifdef VARIANT_NO_INIT
CLIPROXY_EXPORT int cliproxy_plugin_start(const cliproxy_host_api *h, cliproxy_plugin_api *plugin) {
#else
CLIPROXY_EXPORT int cliproxy_plugin_init(const cliproxy_host_api *h, cliproxy_plugin_api *plugin) {
#endif
    host = h;
    pthread_mutex_lock(&lock);
    shut_down = 0; /* a reload of the same file shares these globals */
    pthread_mutex_unlock(&lock);
    plugin->abi_version = VARIANT_ABI;
#ifndef VARIANT_NULL_CALL
    plugin->call = plugin_call;
#endif
    plugin->free_buffer = plugin_free;
    plugin->shutdown = plugin_shutdown;
#ifdef VARIANT_INIT_FAILS
    marker("init-failed", "yes");
    return 3;
#else
    return 0;
#endif
}

/*
 * executor-c: an echo model provider and executor.
 *
 * Registers model example-echo-c. executor.execute answers an OpenAI chat.completion whose
 * assistant text is the last user message (after the configured `prefix`);
 * executor.execute_stream streams the same text word by word as chat.completion.chunk
 * payloads, returned inline in the reply's "chunks" (the Rust and Go versions push them
 * with host.stream.emit instead, so both stream modes are exercised).
 */
#include <pthread.h>
#include <time.h>

#include "cliproxy_example.h"

#define PLUGIN_NAME "executor-c"
#define MODEL_ID "example-echo-c"
#define PROVIDER "echo-c"
#define COMPLETION_ID "chatcmpl-echo-c"

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static char configured_prefix[256];

/* -------------------------------------------------------------------- registration */

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    const char *encoded = cpx_json_str(cpx_json_get(request, "config_yaml"));
    char prefix[sizeof configured_prefix] = "";
    if (encoded) {
        size_t n;
        unsigned char *yaml = cpx_base64_decode(encoded, strlen(encoded), &n);
        if (!yaml) return cpx_reply_error(response, "invalid_request", "config_yaml is not valid base64", 400);
        cpx_config_value((const char *)yaml, n, "prefix", prefix, sizeof prefix);
        free(yaml);
    }
    pthread_mutex_lock(&config_lock);
    memcpy(configured_prefix, prefix, sizeof prefix);
    pthread_mutex_unlock(&config_lock);

    static const char result[] =
        "{\"schema_version\":1,\"metadata\":{\"Name\":\"" PLUGIN_NAME "\",\"Version\":\"0.1.0\","
        "\"Author\":\"cliproxy examples\",\"GitHubRepository\":\"https://github.com/cliproxy/cliproxy\","
        "\"Logo\":\"\",\"ConfigFields\":[{\"Name\":\"prefix\",\"Type\":\"string\",\"EnumValues\":null,"
        "\"Description\":\"Text put before every echoed reply.\"}]},"
        "\"capabilities\":{\"model_provider\":true,\"executor\":true,\"executor_model_scope\":\"both\","
        "\"executor_input_formats\":[\"chat-completions\"],\"executor_output_formats\":[\"chat-completions\"]}}";
    return cpx_reply_ok(response, result, sizeof result - 1);
}

static int handle_models(cliproxy_buffer *response) {
    static const char result[] =
        "{\"Provider\":\"" PROVIDER "\",\"Models\":[{\"ID\":\"" MODEL_ID "\",\"Object\":\"model\","
        "\"Created\":1700000000,\"OwnedBy\":\"cliproxy-examples\",\"Type\":\"echo\","
        "\"DisplayName\":\"Echo (C)\",\"Name\":\"" MODEL_ID "\",\"Version\":\"0.1.0\","
        "\"Description\":\"Echoes the last user message.\",\"InputTokenLimit\":0,\"OutputTokenLimit\":0,"
        "\"SupportedGenerationMethods\":[\"chat\"],\"ContextLength\":8192,\"MaxCompletionTokens\":1024,"
        "\"SupportedParameters\":null,\"SupportedInputModalities\":null,\"SupportedOutputModalities\":null,"
        "\"Thinking\":null,\"UserDefined\":false}],\"AuthUpdate\":null}";
    return cpx_reply_ok(response, result, sizeof result - 1);
}

/* -------------------------------------------------------------------- the echo */

typedef struct {
    char *model;     /* request Model, malloc'ed */
    cpx_buf text;    /* prefix + last user text */
    size_t user_len; /* length of the user text alone */
} echo_request;

/* Text of the last "user" message: a string, or the "text" of its text parts joined. */
static void last_user_text(const cpx_json *payload, cpx_buf *out) {
    const cpx_json *last = NULL;
    for (const cpx_json *m = cpx_json_get(payload, "messages") ? cpx_json_get(payload, "messages")->child : NULL; m; m = m->next) {
        const char *role = cpx_json_str(cpx_json_get(m, "role"));
        if (role && !strcmp(role, "user")) last = m;
    }
    const cpx_json *content = cpx_json_get(last, "content");
    if (!content) return;
    if (content->kind == CPX_STRING) {
        cpx_buf_append(out, content->str, content->str_len);
        return;
    }
    if (content->kind != CPX_ARRAY) return;
    for (const cpx_json *part = content->child; part; part = part->next) {
        const char *type = cpx_json_str(cpx_json_get(part, "type"));
        const cpx_json *text = cpx_json_get(part, "text");
        if (type && !strcmp(type, "text") && text && text->kind == CPX_STRING)
            cpx_buf_append(out, text->str, text->str_len);
    }
}

/* Reads Model and Payload; on failure writes the error envelope and returns 0. */
static int read_echo_request(const cpx_json *request, echo_request *echo, cliproxy_buffer *response, int *rc) {
    memset(echo, 0, sizeof *echo);
    const char *model = cpx_json_str(cpx_json_get(request, "Model"));
    const char *encoded = cpx_json_str(cpx_json_get(request, "Payload"));
    if (!encoded) { *rc = cpx_reply_error(response, "invalid_request", "Payload is missing", 400); return 0; }
    size_t n;
    unsigned char *raw = cpx_base64_decode(encoded, strlen(encoded), &n);
    if (!raw) { *rc = cpx_reply_error(response, "invalid_request", "Payload is not valid base64", 400); return 0; }
    cpx_doc payload = cpx_json_parse(raw, n);
    free(raw);
    if (!payload.root || payload.root->kind != CPX_OBJECT) {
        cpx_json_free(&payload);
        *rc = cpx_reply_error(response, "invalid_request", "Payload is not a JSON object", 400);
        return 0;
    }
    pthread_mutex_lock(&config_lock);
    cpx_buf_puts(&echo->text, configured_prefix);
    pthread_mutex_unlock(&config_lock);
    size_t before = echo->text.len;
    last_user_text(payload.root, &echo->text);
    echo->user_len = echo->text.len - before;
    cpx_json_free(&payload);
    echo->model = strdup(model ? model : "");
    return 1;
}

static void free_echo_request(echo_request *echo) {
    free(echo->model);
    free(echo->text.data);
}

static size_t count_words(const char *text, size_t n) {
    size_t words = 0;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)text[i]) && (i == 0 || isspace((unsigned char)text[i - 1]))) words++;
    return words;
}

static void append_usage(cpx_buf *b, size_t words) {
    cpx_buf_printf(b, "\"usage\":{\"prompt_tokens\":%lld", (long long)words);
    cpx_buf_printf(b, ",\"completion_tokens\":%lld", (long long)words);
    cpx_buf_printf(b, ",\"total_tokens\":%lld}", (long long)(2 * words));
}

static void append_chunk_head(cpx_buf *b, const echo_request *echo, long long created) {
    cpx_buf_puts(b, "{\"id\":\"" COMPLETION_ID "\",\"object\":\"chat.completion.chunk\"");
    cpx_buf_printf(b, ",\"created\":%lld,\"model\":", created);
    cpx_buf_json_string(b, echo->model, strlen(echo->model));
}

/* Appends one chat.completion.chunk, base64-encoded, as an inline chunk object. */
static void append_inline_chunk(cpx_buf *chunks, const cpx_buf *chunk) {
    if (chunks->len > 1) cpx_buf_puts(chunks, ",");
    cpx_buf_puts(chunks, "{\"Payload\":\"");
    cpx_buf_base64(chunks, (const unsigned char *)chunk->data, chunk->len);
    cpx_buf_puts(chunks, "\"}");
}

static int handle_execute(const cpx_json *request, cliproxy_buffer *response) {
    echo_request echo;
    int rc;
    if (!read_echo_request(request, &echo, response, &rc)) return rc;
    size_t words = count_words(echo.text.data ? echo.text.data : "", echo.text.len);

    cpx_buf body = {0};
    cpx_buf_puts(&body, "{\"id\":\"" COMPLETION_ID "\",\"object\":\"chat.completion\"");
    cpx_buf_printf(&body, ",\"created\":%lld,\"model\":", (long long)time(NULL));
    cpx_buf_json_string(&body, echo.model, strlen(echo.model));
    cpx_buf_puts(&body, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_json_string(&body, echo.text.data ? echo.text.data : "", echo.text.len);
    cpx_buf_puts(&body, "},\"finish_reason\":\"stop\"}],");
    append_usage(&body, words);
    cpx_buf_puts(&body, "}");

    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Payload\":\"");
    cpx_buf_base64(&result, (const unsigned char *)body.data, body.len);
    cpx_buf_puts(&result, "\",\"Headers\":{\"Content-Type\":[\"application/json\"]},\"Metadata\":null}");
    rc = result.failed || body.failed ? cpx_reply_error(response, "plugin_error", "out of memory", 500)
                                      : cpx_reply_ok(response, result.data, result.len);
    free(body.data);
    free(result.data);
    free_echo_request(&echo);
    return rc;
}

static int handle_execute_stream(const cpx_json *request, cliproxy_buffer *response) {
    echo_request echo;
    int rc;
    if (!read_echo_request(request, &echo, response, &rc)) return rc;
    const char *text = echo.text.data ? echo.text.data : "";
    size_t n = echo.text.len;
    long long created = (long long)time(NULL);

    cpx_buf chunks = {0}, chunk = {0};
    cpx_buf_puts(&chunks, "[");
    for (size_t i = 0, words = 0;; words++) {
        while (i < n && isspace((unsigned char)text[i])) i++;
        if (i >= n && words > 0) break; /* an empty text still gets its role chunk */
        size_t start = i;
        while (i < n && !isspace((unsigned char)text[i])) i++;
        cpx_buf word = {0};
        if (words > 0) cpx_buf_puts(&word, " ");
        cpx_buf_append(&word, text + start, i - start);
        chunk.len = 0;
        append_chunk_head(&chunk, &echo, created);
        cpx_buf_puts(&chunk, words == 0 ? ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                                        : ",\"choices\":[{\"index\":0,\"delta\":{\"content\":");
        cpx_buf_json_string(&chunk, word.data ? word.data : "", word.len);
        free(word.data);
        cpx_buf_puts(&chunk, "},\"finish_reason\":null}]}");
        append_inline_chunk(&chunks, &chunk);
    }
    size_t counted = count_words(text, n);
    chunk.len = 0;
    append_chunk_head(&chunk, &echo, created);
    cpx_buf_puts(&chunk, ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],");
    append_usage(&chunk, counted);
    cpx_buf_puts(&chunk, "}");
    append_inline_chunk(&chunks, &chunk);
    cpx_buf_puts(&chunks, "]");

    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"headers\":{\"Content-Type\":[\"text/event-stream\"]},\"chunks\":");
    cpx_buf_append(&result, chunks.data, chunks.len);
    cpx_buf_puts(&result, "}");
    rc = result.failed || chunks.failed || chunk.failed
             ? cpx_reply_error(response, "plugin_error", "out of memory", 500)
             : cpx_reply_ok(response, result.data, result.len);
    free(chunk.data);
    free(chunks.data);
    free(result.data);
    free_echo_request(&echo);
    return rc;
}

static int handle_count_tokens(const cpx_json *request, cliproxy_buffer *response) {
    echo_request echo;
    int rc;
    if (!read_echo_request(request, &echo, response, &rc)) return rc;
    const char *text = echo.text.data ? echo.text.data : "";
    size_t words = count_words(text + (echo.text.len - echo.user_len), echo.user_len);
    cpx_buf body = {0}, result = {0};
    cpx_buf_printf(&body, "{\"input_tokens\":%lld}", (long long)words);
    cpx_buf_puts(&result, "{\"Payload\":\"");
    cpx_buf_base64(&result, (const unsigned char *)body.data, body.len);
    cpx_buf_puts(&result, "\",\"Headers\":null,\"Metadata\":null}");
    rc = cpx_reply_ok(response, result.data, result.len);
    free(body.data);
    free(result.data);
    free_echo_request(&echo);
    return rc;
}

/* -------------------------------------------------------------------- dispatch */

static int plugin_call(const char *method, const uint8_t *request, size_t request_len,
                       cliproxy_buffer *response) {
    if (!method || !response) return 1;
    cpx_doc doc = cpx_json_parse(request, request_len);
    if (!doc.root || doc.root->kind != CPX_OBJECT) {
        cpx_json_free(&doc);
        return cpx_reply_error(response, "invalid_request", "request is not a JSON object", 400);
    }
    int rc;
    if (!strcmp(method, CLIPROXY_METHOD_PLUGIN_REGISTER) || !strcmp(method, CLIPROXY_METHOD_PLUGIN_RECONFIGURE))
        rc = handle_register(doc.root, response);
    else if (!strcmp(method, CLIPROXY_METHOD_MODEL_STATIC) || !strcmp(method, CLIPROXY_METHOD_MODEL_FOR_AUTH))
        rc = handle_models(response);
    else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_IDENTIFIER))
        rc = cpx_reply_ok(response, "{\"identifier\":\"" PROVIDER "\"}", sizeof "{\"identifier\":\"" PROVIDER "\"}" - 1);
    else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE))
        rc = handle_execute(doc.root, response);
    else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM))
        rc = handle_execute_stream(doc.root, response);
    else if (!strcmp(method, CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS))
        rc = handle_count_tokens(doc.root, response);
    else {
        char message[256];
        snprintf(message, sizeof message, "unknown method %s", method);
        rc = cpx_reply_error(response, "unknown_method", message, 0);
    }
    cpx_json_free(&doc);
    return rc;
}

CLIPROXY_EXPORT int cliproxy_plugin_init(const cliproxy_host_api *host, cliproxy_plugin_api *plugin) {
    (void)host;
    if (!plugin) return 1;
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = plugin_call;
    plugin->free_buffer = cpx_free_buffer;
    plugin->shutdown = NULL;
    return 0;
}

/*
 * response-stream-interceptor-c: rewrites streamed responses chunk by chunk.
 *
 *   header-init call (ChunkIndex -1): sets X-Stream-Intercepted: c before the response head
 *                                     is written;
 *   every chunk: drops it when config `drop` is set and the chunk contains it; otherwise
 *                upper-cases the ASCII letters of every "content" string in it.
 * The rewrite scans the chunk's text for "content": "<string>" pairs instead of parsing it,
 * so a chunk framed as an SSE line ("data: {...}") is handled like a bare JSON one, and
 * everything else in the chunk stays byte for byte.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "response-stream-interceptor-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("drop", "string", "Chunks containing this are not delivered.") "]",
                        "{\"response_stream_interceptor\":true}");
}

/* Index just past the JSON string literal whose opening quote is s[at] (n if unterminated). */
static size_t string_end(const char *s, size_t at, size_t n) {
    for (size_t i = at + 1; i < n; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') return i + 1;
    }
    return n;
}

static size_t skip_blanks(const char *s, size_t i, size_t n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
    return i;
}

/* Appends the string literal s[start..end) with its ASCII letters upper-cased; escape
 * sequences (\n, \u00e9) are copied as they are, since upper-casing them changes meaning. */
static void append_upper(cpx_buf *out, const char *s, size_t start, size_t end) {
    for (size_t i = start; i < end; i++) {
        if (s[i] == '\\') {
            size_t len = i + 1 < end && s[i + 1] == 'u' ? 6 : 2;
            if (len > end - i) len = end - i;
            cpx_buf_append(out, s + i, len);
            i += len - 1;
            continue;
        }
        char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
        cpx_buf_append(out, &c, 1);
    }
}

/* Appends chunk s[0..n) with every string value of a "content" key upper-cased. String
 * literals are skipped whole, so "content" inside another string never matches. */
static void append_upper_content(cpx_buf *out, const char *s, size_t n) {
    size_t copied = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '"') { i++; continue; }
        size_t key_end = string_end(s, i, n);
        int is_content = key_end - i == 9 && !memcmp(s + i, "\"content\"", 9);
        i = key_end;
        if (!is_content) continue;
        size_t colon = skip_blanks(s, key_end, n);
        if (colon >= n || s[colon] != ':') continue; /* "content" was a value, not a key */
        size_t value = skip_blanks(s, colon + 1, n);
        if (value >= n || s[value] != '"') continue; /* not a string value */
        size_t value_end = string_end(s, value, n);
        cpx_buf_append(out, s + copied, value - copied);
        append_upper(out, s, value, value_end);
        copied = i = value_end;
    }
    cpx_buf_append(out, s + copied, n - copied);
}

static int handle_chunk(const cpx_json *request, cliproxy_buffer *response) {
    if (cpx_json_int(cpx_json_get(request, "ChunkIndex"), 0) == -1)
        return cpx_reply_ok_str(response, "{\"Headers\":{\"X-Stream-Intercepted\":[\"c\"]}}");
    size_t n;
    unsigned char *chunk = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!chunk) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    char drop[1024];
    cpx_config_get("drop", "", drop, sizeof drop);
    int rc;
    if (*drop && cpx_contains(chunk, n, drop)) {
        rc = cpx_reply_ok_str(response, "{\"DropChunk\":true}");
    } else {
        cpx_buf upper = {0};
        append_upper_content(&upper, (const char *)chunk, n);
        rc = cpx_reply_body_buf(response, &upper);
    }
    free(chunk);
    return rc;
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK, handle_chunk},
};

CPX_PLUGIN(methods)

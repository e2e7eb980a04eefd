/*
 * request-normalizer-c: appends config `suffix` (default " [normalized by c]") to the last
 * message of requests bound for format openai, so the echo executor shows it.
 *
 * Only a string content is touched, and only by splicing the suffix in front of its closing
 * quote: the rest of the body stays byte for byte as the host sent it. Anything else
 * (another format, a body that is not a chat request, array content) is declined.
 * Normalizers can run more than once per request; this one would append twice then, which
 * is visible on purpose.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "request-normalizer-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("suffix", "string", "Text appended to the last message.") "]",
                        "{\"request_normalizer\":true}");
}

/* Appends body with the suffix added at the end of the string `content` (a node parsed
 * from body), escaped as JSON. */
static void append_with_suffix(cpx_buf *out, const char *body, size_t n, const cpx_json *content) {
    char suffix[1024];
    cpx_config_get("suffix", " [normalized by c]", suffix, sizeof suffix);
    size_t closing_quote = (size_t)(content->raw - body) + content->raw_len - 1;
    cpx_buf_append(out, body, closing_quote);
    cpx_buf_json_escape(out, suffix, strlen(suffix));
    cpx_buf_append(out, body + closing_quote, n - closing_quote);
}

static int handle_normalize(const cpx_json *request, cliproxy_buffer *response) {
    const char *to = cpx_json_str(cpx_json_get(request, "ToFormat"));
    if (!to || strcmp(to, "openai")) return cpx_reply_empty(response);
    size_t n;
    unsigned char *raw = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!raw) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    cpx_doc body = cpx_json_parse(raw, n);
    const cpx_json *content = cpx_json_member(cpx_last_message(body.root), "content");
    int rc;
    if (!body.root || body.root->kind != CPX_OBJECT || !content || content->kind != CPX_STRING) {
        rc = cpx_reply_empty(response);
    } else {
        cpx_buf normalized = {0};
        append_with_suffix(&normalized, (const char *)raw, n, content);
        rc = cpx_reply_body_buf(response, &normalized);
    }
    cpx_json_free(&body);
    free(raw);
    return rc;
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_REQUEST_NORMALIZE, handle_normalize},
};

CPX_PLUGIN(methods)

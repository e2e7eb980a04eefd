/*
 * thinking-applier-c: the thinking applier for the format "think-c".
 *
 * The host parses and validates the thinking settings (model suffix, body fields) itself
 * and hands them over as Config{Mode,Budget,Level}; this plugin writes them into the
 * payload's top-level "thinking" object, replacing one that is there. Bodies that are not
 * JSON objects are declined (the host then keeps the body as it was).
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "thinking-applier-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null", "{\"thinking_applier\":true}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, "think-c");
}

/* Appends the "thinking" value for the request's Config. */
static void append_thinking(cpx_buf *b, const cpx_json *config) {
    cpx_buf_puts(b, "{\"mode\":");
    cpx_buf_json_str_of(b, cpx_json_get(config, "Mode"));
    cpx_buf_puts(b, ",\"budget\":");
    cpx_buf_json_number_of(b, cpx_json_get(config, "Budget"));
    cpx_buf_puts(b, ",\"level\":");
    cpx_buf_json_str_of(b, cpx_json_get(config, "Level"));
    cpx_buf_puts(b, ",\"applied_by\":\"c\"}");
}

static int handle_apply(const cpx_json *request, cliproxy_buffer *response) {
    size_t n;
    unsigned char *raw = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!raw) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    cpx_doc body = cpx_json_parse(raw, n);
    int rc;
    if (!body.root || body.root->kind != CPX_OBJECT) {
        rc = cpx_reply_empty(response);
    } else {
        cpx_buf thinking = {0}, applied = {0};
        append_thinking(&thinking, cpx_json_get(request, "Config"));
        if (thinking.failed) applied.failed = 1;
        else cpx_json_set_member(&applied, (const char *)raw, n, body.root, "thinking", thinking.data, thinking.len);
        cpx_buf_free(&thinking);
        rc = cpx_reply_body_buf(response, &applied);
    }
    cpx_json_free(&body);
    free(raw);
    return rc;
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_THINKING_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_THINKING_APPLY, handle_apply},
};

CPX_PLUGIN(methods)

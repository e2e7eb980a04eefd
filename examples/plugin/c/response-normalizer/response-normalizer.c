/*
 * response-normalizer-c: marks responses before and after the host translates them.
 *
 * response.normalize_before sees the provider-format body, response.normalize_after the
 * client-format one; each adds its own first key ("x_before":"c", "x_after":"c") to bodies
 * and stream chunks that are JSON objects and declines everything else (e.g. SSE framing).
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "response-normalizer-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null",
                        "{\"response_before_translator\":true,\"response_after_translator\":true}");
}

/* Replies with Body carrying `member` as its first key, or declines. */
static int mark_body(const cpx_json *request, cliproxy_buffer *response, const char *member) {
    cpx_buf body = {0};
    int rewritten = cpx_body_insert_first(cpx_json_get(request, "Body"), member, &body);
    if (rewritten > 0) return cpx_reply_body_buf(response, &body);
    cpx_buf_free(&body);
    return rewritten < 0 ? cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400)
                         : cpx_reply_empty(response);
}

static int handle_before(const cpx_json *request, cliproxy_buffer *response) {
    return mark_body(request, response, "\"x_before\":\"c\"");
}

static int handle_after(const cpx_json *request, cliproxy_buffer *response) {
    return mark_body(request, response, "\"x_after\":\"c\"");
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE, handle_before},
    {CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER, handle_after},
};

CPX_PLUGIN(methods)

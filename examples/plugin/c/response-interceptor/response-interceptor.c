/*
 * response-interceptor-c: marks non-stream responses on their way to the client.
 *
 * Adds the header X-Response-Intercepted: c and, when the response body is a JSON object,
 * a first key "x_intercepted_by":"c". Other bodies are left alone (no "Body" in the reply:
 * the host keeps the body it has).
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "response-interceptor-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null", "{\"response_interceptor\":true}");
}

static int handle_after(const cpx_json *request, cliproxy_buffer *response) {
    cpx_buf body = {0}, result = {0};
    int rewritten = cpx_body_insert_first(cpx_json_get(request, "Body"), "\"x_intercepted_by\":\"c\"", &body);
    if (rewritten < 0) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    cpx_buf_puts(&result, "{\"Headers\":{\"X-Response-Intercepted\":[\"c\"]}");
    if (rewritten) {
        cpx_buf_puts(&result, ",\"Body\":");
        cpx_buf_base64_string(&result, body.data, body.len);
    }
    cpx_buf_puts(&result, "}");
    if (body.failed) result.failed = 1;
    cpx_buf_free(&body);
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER, handle_after},
};

CPX_PLUGIN(methods)

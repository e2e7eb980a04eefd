/*
 * request-interceptor-c: looks at requests before and after the credential is chosen.
 *
 *   before auth: a body containing config `block` (default "forbidden-c") ends the request
 *                right there with a 403 JSON error, no upstream call; any other request
 *                gets the header X-Intercepted-By: c;
 *   after auth:  sets X-Intercepted-After: c and clears the header named by config
 *                `clear-header` (default X-Debug).
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "request-interceptor-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("block", "string", "Requests whose body contains this are refused.") ","
                            CPX_CONFIG_FIELD("clear-header", "string", "Header removed after auth.") "]",
                        "{\"request_interceptor\":true}");
}

/* The Terminate reply: the client gets this status, headers and body instead of an answer. */
static int reply_blocked(cliproxy_buffer *response) {
    static const char body[] = "{\"error\":{\"message\":\"blocked by " PLUGIN_NAME "\","
                               "\"type\":\"invalid_request_error\",\"code\":\"blocked\"}}";
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Terminate\":true,\"StatusCode\":403,\"ResponseHeaders\":{"
                          "\"Content-Type\":[\"application/json\"],\"X-Blocked-By\":[\"" PLUGIN_NAME "\"]},"
                          "\"ResponseBody\":");
    cpx_buf_base64_string(&result, body, sizeof body - 1);
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

static int handle_before(const cpx_json *request, cliproxy_buffer *response) {
    size_t n;
    unsigned char *body = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!body) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    char block[1024];
    cpx_config_get("block", "forbidden-c", block, sizeof block);
    int blocked = cpx_contains(body, n, block);
    free(body);
    return blocked ? reply_blocked(response)
                   : cpx_reply_ok_str(response, "{\"Headers\":{\"X-Intercepted-By\":[\"c\"]}}");
}

static int handle_after(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    char header[256];
    cpx_config_get("clear-header", "X-Debug", header, sizeof header);
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Headers\":{\"X-Intercepted-After\":[\"c\"]},\"ClearHeaders\":[");
    cpx_buf_json_string(&result, header, strlen(header));
    cpx_buf_puts(&result, "]}");
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, handle_before},
    {CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER, handle_after},
};

CPX_PLUGIN(methods)

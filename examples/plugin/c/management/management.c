/*
 * management-c: routes on the management API and a status page resource.
 *
 *   GET  /v0/management/example-c/status   the number of management.handle calls, as JSON;
 *   POST /v0/management/example-c/echo     echoes the request body;
 *   GET  <ResourceBasePath>/status         an HTML status page (resources are served without
 *                                          management authentication).
 * The host sends every request for these routes through the one management.handle method,
 * so the plugin dispatches on Method and Path itself.
 */
#include <stdatomic.h>

#include "cliproxy_example.h"

#define PLUGIN_NAME "management-c"
#define STATUS_PATH "/v0/management/example-c/status"
#define ECHO_PATH "/v0/management/example-c/echo"

static atomic_ullong handle_calls;

/* Where the host serves this plugin's resources (/v0/resource/plugins/<plugin-id>), from
 * management.register; "" until then. */
static pthread_mutex_t resource_lock = PTHREAD_MUTEX_INITIALIZER;
static char resource_base[1024];

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null", "{\"management_api\":true}");
}

static int handle_routes(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *base = cpx_json_get(request, "ResourceBasePath");
    const char *path = cpx_json_str(base);
    if (path && base->str_len >= sizeof resource_base)
        return cpx_reply_error(response, "invalid_request", "ResourceBasePath is too long", 400);
    pthread_mutex_lock(&resource_lock);
    snprintf(resource_base, sizeof resource_base, "%s", path ? path : "");
    pthread_mutex_unlock(&resource_lock);
    return cpx_reply_ok_str(
        response,
        "{\"routes\":[{\"Method\":\"GET\",\"Path\":\"/example-c/status\",\"Description\":\"call count as JSON\"},"
        "{\"Method\":\"POST\",\"Path\":\"/example-c/echo\",\"Description\":\"echoes the JSON body\"}],"
        "\"resources\":[{\"Path\":\"/status\",\"Menu\":\"Example (c)\",\"Description\":\"status page\"}]}");
}

/* Starts an HTTP reply; the caller appends the Body value and the closing brace. */
static void begin_http_reply(cpx_buf *result, int status, const char *content_type) {
    cpx_buf_printf(result, "{\"StatusCode\":%lld,\"Headers\":{\"Content-Type\":[\"", status);
    cpx_buf_puts(result, content_type);
    cpx_buf_puts(result, "\"]},\"Body\":");
}

/* A whole HTTP reply whose body is `body`. */
static int reply_http(cliproxy_buffer *response, int status, const char *content_type, const cpx_buf *body) {
    cpx_buf result = {0};
    begin_http_reply(&result, status, content_type);
    cpx_buf_base64_string(&result, body->data, body->len);
    cpx_buf_puts(&result, "}");
    if (body->failed) result.failed = 1;
    return cpx_reply_result(response, &result);
}

/* The request Body passed back as it came (base64 or null): no need to decode it. */
static int reply_echo(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *body = cpx_json_get(request, "Body");
    cpx_buf result = {0};
    begin_http_reply(&result, 200, "application/json");
    if (body) cpx_buf_append(&result, body->raw, body->raw_len);
    else cpx_buf_puts(&result, "null");
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

/* 1 when path is <ResourceBasePath>/status. */
static int is_status_page(const char *path) {
    pthread_mutex_lock(&resource_lock);
    size_t n = strlen(resource_base);
    int match = n && !strncmp(path, resource_base, n) && !strcmp(path + n, "/status");
    pthread_mutex_unlock(&resource_lock);
    return match;
}

static int handle_request(const cpx_json *request, cliproxy_buffer *response) {
    unsigned long long calls = atomic_fetch_add(&handle_calls, 1) + 1;
    const char *method = cpx_json_str(cpx_json_get(request, "Method"));
    const char *path = cpx_json_str(cpx_json_get(request, "Path"));
    int get = method && !strcmp(method, "GET"), post = method && !strcmp(method, "POST");
    cpx_buf body = {0};
    int rc;
    if (!path) path = "";
    if (post && !strcmp(path, ECHO_PATH)) {
        rc = reply_echo(request, response);
    } else if (get && !strcmp(path, STATUS_PATH)) {
        cpx_buf_printf(&body, "{\"plugin\":\"" PLUGIN_NAME "\",\"calls\":%lld}", (long long)calls);
        rc = reply_http(response, 200, "application/json", &body);
    } else if (get && is_status_page(path)) {
        cpx_buf_puts(&body, "<!doctype html><title>" PLUGIN_NAME "</title><h1>" PLUGIN_NAME "</h1>");
        cpx_buf_printf(&body, "<p>calls: %lld</p>", (long long)calls);
        rc = reply_http(response, 200, "text/html; charset=utf-8", &body);
    } else {
        cpx_buf_puts(&body, "{\"error\":\"not found\"}");
        rc = reply_http(response, 404, "application/json", &body);
    }
    cpx_buf_free(&body);
    return rc;
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_MANAGEMENT_REGISTER, handle_routes},
    {CLIPROXY_METHOD_MANAGEMENT_HANDLE, handle_request},
};

CPX_PLUGIN(methods)

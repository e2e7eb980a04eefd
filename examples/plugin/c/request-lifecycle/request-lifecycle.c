/*
 * request-lifecycle-c: appends one JSON line per finished request to config `file`.
 *
 * request.complete arrives once per model execution, asynchronously and concurrently from
 * several host threads, and its reply is ignored; the helper's cpx_append_line keeps the
 * lines whole. Without `file` the plugin only acknowledges.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "request-lifecycle-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("file", "string", "File that gets one JSON line per request.") "]",
                        "{\"request_lifecycle_plugin\":true}");
}

static int handle_complete(const cpx_json *request, cliproxy_buffer *response) {
    cpx_buf line = {0};
    cpx_buf_puts(&line, "{\"plugin\":\"" PLUGIN_NAME "\",\"request_id\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "RequestID"));
    cpx_buf_puts(&line, ",\"model\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "Model"));
    cpx_buf_puts(&line, ",\"requested_model\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "RequestedModel"));
    cpx_buf_puts(&line, ",\"stream\":");
    cpx_buf_json_bool_of(&line, cpx_json_get(request, "Stream"));
    cpx_buf_puts(&line, ",\"outcome\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "Outcome"));
    cpx_buf_puts(&line, ",\"status\":");
    cpx_buf_json_number_of(&line, cpx_json_get(request, "StatusCode"));
    cpx_buf_puts(&line, ",\"error\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "Error"));
    cpx_buf_puts(&line, "}\n");
    return cpx_reply_append_line(response, "file", &line);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_REQUEST_COMPLETE, handle_complete},
};

CPX_PLUGIN(methods)

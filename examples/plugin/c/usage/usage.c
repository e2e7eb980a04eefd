/*
 * usage-c: appends one JSON line per usage record to config `file`.
 *
 * usage.handle delivers the records the host publishes (provider, model, client key,
 * credential, token counts, latency in nanoseconds); its reply is ignored. Without `file`
 * the plugin only acknowledges. Numbers are copied as received, so int64 latencies stay
 * exact.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "usage-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("file", "string", "File that gets one JSON line per usage record.") "]",
                        "{\"usage_plugin\":true}");
}

static int handle_usage(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *detail = cpx_json_get(request, "Detail");
    cpx_buf line = {0};
    cpx_buf_puts(&line, "{\"plugin\":\"" PLUGIN_NAME "\",\"provider\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "Provider"));
    cpx_buf_puts(&line, ",\"model\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "Model"));
    cpx_buf_puts(&line, ",\"api_key\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "APIKey"));
    cpx_buf_puts(&line, ",\"auth_id\":");
    cpx_buf_json_str_of(&line, cpx_json_get(request, "AuthID"));
    cpx_buf_puts(&line, ",\"failed\":");
    cpx_buf_json_bool_of(&line, cpx_json_get(request, "Failed"));
    cpx_buf_puts(&line, ",\"input_tokens\":");
    cpx_buf_json_number_of(&line, cpx_json_get(detail, "InputTokens"));
    cpx_buf_puts(&line, ",\"output_tokens\":");
    cpx_buf_json_number_of(&line, cpx_json_get(detail, "OutputTokens"));
    cpx_buf_puts(&line, ",\"total_tokens\":");
    cpx_buf_json_number_of(&line, cpx_json_get(detail, "TotalTokens"));
    cpx_buf_puts(&line, ",\"latency_ns\":");
    cpx_buf_json_number_of(&line, cpx_json_get(request, "Latency"));
    cpx_buf_puts(&line, "}\n");
    return cpx_reply_append_line(response, "file", &line);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_USAGE_HANDLE, handle_usage},
};

CPX_PLUGIN(methods)

/*
 * command-line-c: two command-line flags of the proxy binary.
 *
 *   -hello-c NAME   prints "hello, NAME, from c" and exits 0;
 *   -fail-c         prints "fail-c requested" to stderr and exits 3.
 * The host registers the flags at start-up, parses the command line, and calls
 * command_line.execute with the flags of this plugin that were set; then it exits.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "command-line-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null", "{\"command_line_plugin\":true}");
}

static int handle_flags(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_ok_str(response,
                            "{\"Flags\":[{\"Name\":\"hello-c\",\"Usage\":\"print a greeting from the c example\","
                            "\"Type\":\"string\",\"DefaultValue\":\"\"},"
                            "{\"Name\":\"fail-c\",\"Usage\":\"exit with code 3\",\"Type\":\"bool\",\"DefaultValue\":\"\"}]}");
}

/* Replies with `text` on stdout or stderr (`stream` is "Stdout" or "Stderr") and the exit code. */
static int reply_output(cliproxy_buffer *response, const char *stream, const cpx_buf *text, int exit_code) {
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"");
    cpx_buf_puts(&result, stream);
    cpx_buf_puts(&result, "\":");
    cpx_buf_base64_string(&result, text->data, text->len);
    cpx_buf_printf(&result, ",\"ExitCode\":%lld}", exit_code);
    if (text->failed) result.failed = 1;
    return cpx_reply_result(response, &result);
}

static int handle_execute(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *triggered = cpx_json_get(request, "TriggeredFlags");
    const cpx_json *hello = cpx_json_member(triggered, "hello-c");
    cpx_buf text = {0};
    int rc;
    if (cpx_json_member(triggered, "fail-c")) {
        cpx_buf_puts(&text, "fail-c requested\n");
        rc = reply_output(response, "Stderr", &text, 3);
    } else if (hello) {
        const cpx_json *value = cpx_json_get(hello, "Value");
        cpx_buf_puts(&text, "hello, ");
        if (cpx_json_str(value)) cpx_buf_append(&text, value->str, value->str_len);
        cpx_buf_puts(&text, ", from c\n");
        rc = reply_output(response, "Stdout", &text, 0);
    } else {
        rc = cpx_reply_ok_str(response, "{\"ExitCode\":0}"); /* none of our flags was set */
    }
    cpx_buf_free(&text);
    return rc;
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_COMMAND_LINE_REGISTER, handle_flags},
    {CLIPROXY_METHOD_COMMAND_LINE_EXECUTE, handle_execute},
};

CPX_PLUGIN(methods)

/*
 * model-router-c: routes requests by their X-Example-Route header, and is itself an executor.
 *
 *   self                          to this plugin's own executor, which says so in its answer;
 *   provider:<name>[:<model>]     to a provider, optionally with another model;
 *   executor:<plugin-id>          to another plugin's executor;
 *   anything else, or no header   no decision: the next router or normal resolution runs.
 * The executor has scope "static" so that it can be a router target.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "model-router-c"
#define ROUTE_HEADER "X-Example-Route"
#define COMPLETION_ID "chatcmpl-model-router-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null",
                        "{\"model_router\":true,\"executor\":true,\"executor_model_scope\":\"static\","
                        "\"executor_input_formats\":[\"openai\"],\"executor_output_formats\":[\"openai\"]}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, "router-c");
}

/* ------------------------------------------------------------------ model.route */

/* Replies with a handled decision. `target` and `model` may be NULL (not sent). */
static int reply_route(cliproxy_buffer *response, const char *kind, const char *target, size_t target_len,
                       const char *model, size_t model_len) {
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Handled\":true,\"TargetKind\":\"");
    cpx_buf_puts(&result, kind);
    cpx_buf_puts(&result, "\"");
    if (target) {
        cpx_buf_puts(&result, ",\"Target\":");
        cpx_buf_json_string(&result, target, target_len);
    }
    if (model) {
        cpx_buf_puts(&result, ",\"TargetModel\":");
        cpx_buf_json_string(&result, model, model_len);
    }
    cpx_buf_puts(&result, ",\"Reason\":\"header\"}");
    return cpx_reply_result(response, &result);
}

/* "provider:<name>" or "provider:<name>:<model>" (the model may itself contain colons). */
static int route_to_provider(const char *spec, size_t len, cliproxy_buffer *response) {
    const char *colon = memchr(spec, ':', len);
    size_t name_len = colon ? (size_t)(colon - spec) : len;
    if (!name_len) return cpx_reply_ok_str(response, "{\"Handled\":false}");
    const char *model = colon ? colon + 1 : "";
    size_t model_len = colon ? len - name_len - 1 : 0;
    return reply_route(response, "provider", spec, name_len, model, model_len);
}

static int handle_route(const cpx_json *request, cliproxy_buffer *response) {
    const char *value = cpx_header_first(cpx_json_get(request, "Headers"), ROUTE_HEADER);
    if (!value) return cpx_reply_ok_str(response, "{\"Handled\":false}");
    const char *end = value + strlen(value);
    while (isspace((unsigned char)*value)) value++;
    while (end > value && isspace((unsigned char)end[-1])) end--;
    size_t len = (size_t)(end - value);

    if (len == 4 && !memcmp(value, "self", 4)) return reply_route(response, "self", NULL, 0, NULL, 0);
    if (len > 9 && !memcmp(value, "provider:", 9)) return route_to_provider(value + 9, len - 9, response);
    if (len > 9 && !memcmp(value, "executor:", 9))
        return reply_route(response, "executor", value + 9, len - 9, NULL, 0);
    return cpx_reply_ok_str(response, "{\"Handled\":false}");
}

/* ------------------------------------------------------------------ executor */

/* Answers "router-c executor answered <Model>: <last message's text>" through `reply`. */
static int execute_with(const cpx_json *request, cliproxy_buffer *response, cpx_completion_reply reply) {
    size_t n;
    unsigned char *payload = cpx_json_bytes(cpx_json_get(request, "Payload"), &n);
    if (!payload) return cpx_reply_error(response, "invalid_request", "Payload is not valid base64", 400);
    cpx_doc body = cpx_json_parse(payload, n);
    const char *model = cpx_json_str(cpx_json_get(request, "Model"));
    cpx_buf content = {0};
    cpx_buf_puts(&content, "router-c executor answered ");
    cpx_buf_puts(&content, model ? model : "");
    cpx_buf_puts(&content, ": ");
    cpx_last_message_text(body.root, &content);
    int rc;
    if (!body.root || body.root->kind != CPX_OBJECT)
        rc = cpx_reply_error(response, "invalid_request", "Payload is not a JSON object", 400);
    else if (content.failed)
        rc = cpx_reply_oom(response);
    else
        rc = reply(response, COMPLETION_ID, model, content.data, content.len);
    cpx_buf_free(&content);
    cpx_json_free(&body);
    free(payload);
    return rc;
}

static int handle_execute(const cpx_json *request, cliproxy_buffer *response) {
    return execute_with(request, response, cpx_reply_completion);
}

static int handle_execute_stream(const cpx_json *request, cliproxy_buffer *response) {
    return execute_with(request, response, cpx_reply_completion_chunks);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_MODEL_ROUTE, handle_route},
    {CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE, handle_execute},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, handle_execute_stream},
};

CPX_PLUGIN(methods)

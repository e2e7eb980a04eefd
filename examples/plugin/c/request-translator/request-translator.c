/*
 * request-translator-c: a made-up wire format "text-c" (plain text) and an executor for it.
 *
 * request.translate turns an openai chat request into text-c: just the last message's text.
 * The executor (model text-model-c, input text-c, output openai) answers with the text it
 * read, so a client talking openai to text-model-c sees the translation at work: the host
 * has no native openai -> text-c translator and asks this plugin.
 * Every other format pair is declined with an empty result: same-format pairs reach
 * translators too, and answering them would hijack other providers' requests.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "request-translator-c"
#define FORMAT "text-c"
#define COMPLETION_ID "chatcmpl-request-translator-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null",
                        "{\"request_translator\":true,\"executor\":true,\"model_provider\":true,"
                        "\"executor_model_scope\":\"static\",\"executor_input_formats\":[\"" FORMAT "\"],"
                        "\"executor_output_formats\":[\"openai\"]}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, FORMAT);
}

static int handle_static(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_ok_str(response, "{\"Provider\":\"" FORMAT "\",\"Models\":[{\"ID\":\"text-model-c\","
                                      "\"Object\":\"model\",\"OwnedBy\":\"" PLUGIN_NAME "\"}]}");
}

/* 1 when the request's `field` is the string `expected`. */
static int field_is(const cpx_json *request, const char *field, const char *expected) {
    const char *value = cpx_json_str(cpx_json_get(request, field));
    return value && !strcmp(value, expected);
}

static int handle_translate(const cpx_json *request, cliproxy_buffer *response) {
    if (!field_is(request, "FromFormat", "openai") || !field_is(request, "ToFormat", FORMAT))
        return cpx_reply_empty(response); /* not our pair */
    size_t n;
    unsigned char *raw = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!raw) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    cpx_doc body = cpx_json_parse(raw, n);
    cpx_buf text = {0};
    int rc;
    if (cpx_last_message_text(body.root, &text)) {
        rc = cpx_reply_body_buf(response, &text);
    } else {
        cpx_buf_free(&text);
        rc = cpx_reply_empty(response); /* no messages: nothing to translate */
    }
    cpx_json_free(&body);
    free(raw);
    return rc;
}

/* Answers "text-c executor read: <Payload text>" through `reply`. */
static int execute_with(const cpx_json *request, cliproxy_buffer *response, cpx_completion_reply reply) {
    size_t n;
    unsigned char *text = cpx_json_bytes(cpx_json_get(request, "Payload"), &n);
    if (!text) return cpx_reply_error(response, "invalid_request", "Payload is not valid base64", 400);
    cpx_buf content = {0};
    cpx_buf_puts(&content, FORMAT " executor read: ");
    cpx_buf_append(&content, (const char *)text, n);
    free(text);
    int rc = content.failed ? cpx_reply_oom(response)
                            : reply(response, COMPLETION_ID, cpx_json_str(cpx_json_get(request, "Model")),
                                    content.data, content.len);
    cpx_buf_free(&content);
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
    {CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_MODEL_STATIC, handle_static},
    {CLIPROXY_METHOD_REQUEST_TRANSLATE, handle_translate},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE, handle_execute},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, handle_execute_stream},
};

CPX_PLUGIN(methods)

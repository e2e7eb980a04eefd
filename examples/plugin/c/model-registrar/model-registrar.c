/*
 * model-registrar-c: lists models for the echo provider through model.register.
 *
 * Config `models` (comma-separated, default "registered-c") names the models; the
 * `executor` example (provider echo-c) serves them. A registrar only announces models: it
 * has no executor of its own, so the host files them under the provider returned here.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "model-registrar-c"
#define PROVIDER "echo-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("models", "string", "Comma-separated model ids to register.") "]",
                        "{\"model_registrar\":true}");
}

/* One ModelInfo; the fields not written here are zero values for the host. */
static void append_model(cpx_buf *b, const char *id, size_t id_len) {
    cpx_buf_puts(b, "{\"ID\":");
    cpx_buf_json_string(b, id, id_len);
    cpx_buf_puts(b, ",\"Object\":\"model\",\"Created\":1700000000,\"OwnedBy\":\"" PLUGIN_NAME "\","
                    "\"Type\":\"openai\",\"DisplayName\":");
    cpx_buf_json_string(b, id, id_len);
    cpx_buf_puts(b, "}");
}

static int handle_model_register(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    char models[4096];
    cpx_config_get("models", "registered-c", models, sizeof models);
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Provider\":\"" PROVIDER "\",\"Models\":[");
    const char *cursor = models, *id;
    size_t id_len;
    for (int first = 1; cpx_list_next(&cursor, &id, &id_len); first = 0) {
        if (!first) cpx_buf_puts(&result, ",");
        append_model(&result, id, id_len);
    }
    cpx_buf_puts(&result, "]}");
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_MODEL_REGISTER, handle_model_register},
};

CPX_PLUGIN(methods)

/*
 * model-provider-c: models for the echo provider, static and per credential.
 *
 * model.static announces one fixed model. model.for_auth answers for credentials of
 * provider echo-c only, with the models named in the credential file's "models" entry (a
 * JSON array of strings, or one comma-separated string); for any other provider it replies
 * with an empty provider, which tells the host that this plugin does not know that auth.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "model-provider-c"
#define PROVIDER "echo-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null", "{\"model_provider\":true}");
}

static int handle_static(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_ok_str(response, "{\"Provider\":\"" PROVIDER "\",\"Models\":[{\"ID\":\"static-c\","
                                      "\"Object\":\"model\",\"OwnedBy\":\"" PLUGIN_NAME "\"}]}");
}

/* Appends a minimal ModelInfo, preceded by a comma unless it is the first. */
static void append_model(cpx_buf *b, int *count, const char *id, size_t id_len) {
    if ((*count)++) cpx_buf_puts(b, ",");
    cpx_buf_puts(b, "{\"ID\":");
    cpx_buf_json_string(b, id, id_len);
    cpx_buf_puts(b, ",\"Object\":\"model\",\"OwnedBy\":\"" PLUGIN_NAME "\"}");
}

/* Appends one ModelInfo per model named by `models`: an array of strings or a
 * comma-separated string. Empty names and non-string entries are skipped. */
static void append_models(cpx_buf *b, const cpx_json *models) {
    int count = 0;
    if (models && models->kind == CPX_ARRAY) {
        for (const cpx_json *m = models->child; m; m = m->next)
            if (m->kind == CPX_STRING && m->str_len) append_model(b, &count, m->str, m->str_len);
    } else if (models && models->kind == CPX_STRING) {
        const char *cursor = models->str, *id;
        size_t id_len;
        while (cpx_list_next(&cursor, &id, &id_len)) append_model(b, &count, id, id_len);
    }
}

static int handle_for_auth(const cpx_json *request, cliproxy_buffer *response) {
    const char *provider = cpx_json_str(cpx_json_get(request, "AuthProvider"));
    if (!provider || strcmp(provider, PROVIDER))
        return cpx_reply_ok_str(response, "{\"Provider\":\"\",\"Models\":[]}");
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Provider\":\"" PROVIDER "\",\"Models\":[");
    append_models(&result, cpx_json_member(cpx_json_get(request, "Metadata"), "models"));
    cpx_buf_puts(&result, "]}");
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_MODEL_STATIC, handle_static},
    {CLIPROXY_METHOD_MODEL_FOR_AUTH, handle_for_auth},
};

CPX_PLUGIN(methods)

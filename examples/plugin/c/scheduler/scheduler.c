/*
 * scheduler-c: picks the credential for a request, in one of three config `mode`s:
 *   pick      the candidate whose ID is config `auth-id`; when none is, the built-in
 *             selector chooses (Handled false);
 *   delegate  hands the choice to the built-in strategy named by config `delegate`
 *             (round-robin or fill-first, default fill-first);
 *   deny      fails the request with 403: a scheduler error has no fallback.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "scheduler-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(
        request, response, PLUGIN_NAME,
        "[{\"Name\":\"mode\",\"Type\":\"enum\",\"EnumValues\":[\"pick\",\"delegate\",\"deny\"],"
        "\"Description\":\"How to choose the credential.\"},"
        CPX_CONFIG_FIELD("auth-id", "string", "Credential to pick in mode pick.") ","
        CPX_CONFIG_FIELD("delegate", "string", "Built-in strategy for mode delegate.") "]",
        "{\"scheduler\":true}");
}

/* Mode pick: the candidate whose ID is config auth-id, if any. */
static int pick_configured(const cpx_json *request, cliproxy_buffer *response) {
    char auth_id[1024];
    cpx_config_get("auth-id", "", auth_id, sizeof auth_id);
    const cpx_json *candidates = cpx_json_get(request, "Candidates");
    for (const cpx_json *c = candidates ? candidates->child : NULL; *auth_id && c; c = c->next) {
        const char *id = cpx_json_str(cpx_json_get(c, "ID"));
        if (!id || strcmp(id, auth_id)) continue;
        cpx_buf result = {0};
        cpx_buf_puts(&result, "{\"Handled\":true,\"AuthID\":");
        cpx_buf_json_string(&result, id, strlen(id));
        cpx_buf_puts(&result, "}");
        return cpx_reply_result(response, &result);
    }
    return cpx_reply_ok_str(response, "{\"Handled\":false}");
}

/* Mode delegate: the built-in strategy named in config. */
static int delegate_builtin(cliproxy_buffer *response) {
    char strategy[64];
    cpx_config_get("delegate", "fill-first", strategy, sizeof strategy);
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Handled\":true,\"DelegateBuiltin\":");
    cpx_buf_json_string(&result, strategy, strlen(strategy));
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

static int handle_pick(const cpx_json *request, cliproxy_buffer *response) {
    char mode[32];
    cpx_config_get("mode", "pick", mode, sizeof mode);
    if (!strcmp(mode, "delegate")) return delegate_builtin(response);
    if (!strcmp(mode, "deny")) return cpx_reply_error(response, "denied", PLUGIN_NAME " denied the request", 403);
    if (!strcmp(mode, "pick")) return pick_configured(request, response);
    return cpx_reply_ok_str(response, "{\"Handled\":false}"); /* unknown mode: leave it to the host */
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_SCHEDULER_PICK, handle_pick},
};

CPX_PLUGIN(methods)

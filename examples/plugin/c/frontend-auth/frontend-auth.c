/*
 * frontend-auth-c: accepts clients that present one of the configured tokens.
 *
 * The token travels in the X-Example-Frontend-Auth header; config `tokens` (comma-separated,
 * default "secret-c") lists the accepted ones. A frontend auth provider cannot reject: an
 * unknown token is "not handled" and the next provider gets its turn. With config
 * `exclusive: true` the plugin registers as the exclusive provider, which switches every
 * other one (config API keys too) off.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "frontend-auth-c"
#define TOKEN_HEADER "X-Example-Frontend-Auth"

/* The capabilities depend on the config, so this reads it before replying. */
static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    if (!cpx_config_load(request))
        return cpx_reply_error(response, "invalid_request", "config_yaml is not valid base64", 400);
    return cpx_reply_registration(
        response, PLUGIN_NAME,
        "[" CPX_CONFIG_FIELD("tokens", "string", "Comma-separated accepted tokens.") ","
            CPX_CONFIG_FIELD("exclusive", "boolean", "Be the only frontend auth provider.") "]",
        cpx_config_bool("exclusive")
            ? "{\"frontend_auth_provider\":true,\"frontend_auth_provider_exclusive\":true}"
            : "{\"frontend_auth_provider\":true}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, "example-c");
}

static int handle_authenticate(const cpx_json *request, cliproxy_buffer *response) {
    const char *token = cpx_header_first(cpx_json_get(request, "Headers"), TOKEN_HEADER);
    char tokens[4096];
    cpx_config_get("tokens", "secret-c", tokens, sizeof tokens);
    if (!token || !cpx_list_contains(tokens, token))
        return cpx_reply_ok_str(response, "{\"Authenticated\":false}");
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Authenticated\":true,\"Principal\":\"user-");
    cpx_buf_json_escape(&result, token, strlen(token));
    cpx_buf_puts(&result, "\",\"Metadata\":{\"plugin\":\"" PLUGIN_NAME "\"}}");
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE, handle_authenticate},
};

CPX_PLUGIN(methods)

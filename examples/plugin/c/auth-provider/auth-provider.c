/*
 * auth-provider-c: credentials of type "token-c", from file to login to refresh to use.
 *
 *   auth.parse        claims the auth files whose "type" is token-c;
 *   auth.login.start  starts a browser login: the host hands the browser's OAuth callback
 *   auth.login.poll   to us as <AuthDir>/.oauth-<provider>-<state>.oauth, which poll reads;
 *   auth.refresh      mints a new access token (refreshed-c-<n>) from the refresh token;
 *   model.for_auth    gives every token-c credential the model token-model-c;
 *   executor.*        serves that model, answering with the access token it was given, and
 *                     fails with 401 when the token is missing or "expired", which makes
 *                     the host refresh the credential and retry.
 * The executor scope is "oauth": the model exists only through credentials.
 */
#include <stdatomic.h>

#include "cliproxy_example.h"

#define PLUGIN_NAME "auth-provider-c"
#define PROVIDER "token-c"
#define MODEL_ID "token-model-c"
#define COMPLETION_ID "chatcmpl-auth-provider-c"
#define DEFAULT_AUTHORIZE_URL "https://login.example.invalid/authorize"

/* Refreshes so far, process-wide: each refresh gets the next number. */
static atomic_ullong refresh_count;

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(
        request, response, PLUGIN_NAME,
        "[" CPX_CONFIG_FIELD("authorize-url", "string", "Login page the browser is sent to.") "]",
        "{\"auth_provider\":true,\"model_provider\":true,\"executor\":true,\"executor_model_scope\":\"oauth\","
        "\"executor_input_formats\":[\"openai\"],\"executor_output_formats\":[\"openai\"]}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, PROVIDER);
}

/* ------------------------------------------------------------------ auth.parse */

/* Appends the AuthData of a parsed token-c file. */
static void append_parsed_auth(cpx_buf *b, const cpx_json *request, const cpx_json *file) {
    const cpx_json *label = cpx_json_member(file, "label");
    cpx_buf_puts(b, "{\"Handled\":true,\"Auth\":{\"Provider\":\"" PROVIDER "\",\"FileName\":");
    cpx_buf_json_str_of(b, cpx_json_get(request, "FileName"));
    cpx_buf_puts(b, ",\"Label\":");
    cpx_buf_json_str_of(b, label);
    cpx_buf_puts(b, ",\"Disabled\":");
    cpx_buf_json_bool_of(b, cpx_json_member(file, "disabled"));
    cpx_buf_puts(b, ",\"StorageJSON\":");
    cpx_buf_json_str_of(b, cpx_json_get(request, "RawJSON")); /* already base64: pass it on */
    cpx_buf_puts(b, ",\"Metadata\":");
    cpx_buf_append(b, file->raw, file->raw_len);
    cpx_buf_puts(b, "}}");
}

static int handle_parse(const cpx_json *request, cliproxy_buffer *response) {
    size_t n;
    unsigned char *raw = cpx_json_bytes(cpx_json_get(request, "RawJSON"), &n);
    if (!raw) return cpx_reply_error(response, "invalid_request", "RawJSON is not valid base64", 400);
    cpx_doc file = cpx_json_parse(raw, n);
    const char *type = cpx_json_str(cpx_json_member(file.root, "type"));
    int rc;
    if (!type || strcmp(type, PROVIDER)) {
        rc = cpx_reply_ok_str(response, "{\"Handled\":false}"); /* not our file */
    } else {
        cpx_buf result = {0};
        append_parsed_auth(&result, request, file.root);
        rc = cpx_reply_result(response, &result);
    }
    cpx_json_free(&file);
    free(raw);
    return rc;
}

/* ------------------------------------------------------------------ login */

static int handle_login_start(const cpx_json *request, cliproxy_buffer *response) {
    char state[2 + 16 + 1] = "c-";
    if (!cpx_random_hex(state + 2, 16))
        return cpx_reply_error(response, "plugin_error", "cannot read random bytes", 500);
    char authorize[2048];
    if (cpx_config_get("authorize-url", DEFAULT_AUTHORIZE_URL, authorize, sizeof authorize) >= sizeof authorize)
        return cpx_reply_error(response, "plugin_error", "authorize-url is too long", 500);
    const cpx_json *base_url = cpx_json_get(request, "BaseURL");
    cpx_buf url = {0}, result = {0};
    cpx_buf_puts(&url, authorize);
    cpx_buf_puts(&url, "?state=");
    cpx_buf_puts(&url, state);
    cpx_buf_puts(&url, "&redirect_uri=");
    if (cpx_json_str(base_url)) cpx_buf_query_escape(&url, base_url->str, base_url->str_len);

    cpx_buf_puts(&result, "{\"Provider\":\"" PROVIDER "\",\"URL\":");
    cpx_buf_json_string(&result, url.data ? url.data : "", url.len);
    cpx_buf_puts(&result, ",\"State\":\"");
    cpx_buf_puts(&result, state);
    cpx_buf_puts(&result, "\",\"Metadata\":{\"started_by\":\"c\"}}");
    if (url.failed) result.failed = 1;
    cpx_buf_free(&url);
    return cpx_reply_result(response, &result);
}

/* A provider or state may become part of a file name only if it cannot leave the auth
 * directory: no separators, no leading dot. */
static int safe_name_part(const char *s) {
    return s && *s && *s != '.' && !strchr(s, '/') && !strchr(s, '\\');
}

/* Reads a whole file into a new malloc'ed buffer; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    cpx_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) cpx_buf_append(&b, chunk, n);
    int failed = ferror(f) || b.failed;
    fclose(f);
    if (failed) { cpx_buf_free(&b); errno = EIO; return NULL; }
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/* Appends the poll result of a successful login with authorization code `code`. */
static void append_login_success(cpx_buf *b, const char *state, const cpx_json *code) {
    cpx_buf_puts(b, "{\"Status\":\"success\",\"Auth\":{\"Provider\":\"" PROVIDER "\",\"FileName\":\"" PROVIDER "-");
    cpx_buf_json_escape(b, state, strlen(state));
    cpx_buf_puts(b, ".json\",\"Label\":\"login ");
    cpx_buf_json_escape(b, state, strlen(state));
    cpx_buf_puts(b, "\",\"Metadata\":{\"type\":\"" PROVIDER "\",\"access_token\":\"code-");
    cpx_buf_json_escape(b, code->str, code->str_len);
    cpx_buf_puts(b, "\",\"refresh_token\":\"refresh-");
    cpx_buf_json_escape(b, code->str, code->str_len);
    cpx_buf_puts(b, "\"}}}");
}

/* Turns the callback file's {"code","state","error"} into the poll reply. The file is
 * deleted once it has decided the login, so a later poll cannot replay it; of two polls
 * racing for the same file only the one whose unlink succeeds reports the outcome. */
static int answer_callback(const char *path, const char *state, const cpx_json *callback,
                           cliproxy_buffer *response) {
    const cpx_json *error = cpx_json_member(callback, "error");
    const cpx_json *code = cpx_json_member(callback, "code");
    int failed = cpx_json_str(error) && error->str_len;
    if (!failed && !(cpx_json_str(code) && code->str_len))
        return cpx_reply_ok_str(response, "{\"Status\":\"pending\"}"); /* neither yet */
    if (unlink(path) != 0 && errno == ENOENT)
        return cpx_reply_ok_str(response, "{\"Status\":\"pending\"}"); /* another poll took it */
    cpx_buf result = {0};
    if (failed) {
        cpx_buf_puts(&result, "{\"Status\":\"error\",\"Message\":\"login failed: ");
        cpx_buf_json_escape(&result, error->str, error->str_len);
        cpx_buf_puts(&result, "\"}");
    } else {
        append_login_success(&result, state, code);
    }
    return cpx_reply_result(response, &result);
}

static int handle_login_poll(const cpx_json *request, cliproxy_buffer *response) {
    const char *provider = cpx_json_str(cpx_json_get(request, "Provider"));
    const char *state = cpx_json_str(cpx_json_get(request, "State"));
    const char *auth_dir = cpx_json_str(cpx_json_get(cpx_json_get(request, "Host"), "AuthDir"));
    if (!safe_name_part(provider) || !safe_name_part(state) || !auth_dir || !*auth_dir)
        return cpx_reply_error(response, "invalid_request", "Provider, State and Host.AuthDir are required", 400);
    cpx_buf path = {0};
    cpx_buf_puts(&path, auth_dir);
    cpx_buf_puts(&path, "/.oauth-");
    cpx_buf_puts(&path, provider);
    cpx_buf_puts(&path, "-");
    cpx_buf_puts(&path, state);
    cpx_buf_puts(&path, ".oauth");
    cpx_buf_append(&path, "", 1);
    if (path.failed) { cpx_buf_free(&path); return cpx_reply_oom(response); }

    size_t n;
    char *text = read_file(path.data, &n);
    int rc;
    if (!text && errno == ENOENT) {
        rc = cpx_reply_ok_str(response, "{\"Status\":\"pending\"}"); /* the browser has not come back yet */
    } else if (!text) {
        rc = cpx_reply_error(response, "plugin_error", "cannot read the OAuth callback file", 500);
    } else {
        /* The host may still be writing the file: anything not yet a JSON object is pending. */
        cpx_doc callback = cpx_json_parse(text, n);
        rc = callback.root && callback.root->kind == CPX_OBJECT
                 ? answer_callback(path.data, state, callback.root, response)
                 : cpx_reply_ok_str(response, "{\"Status\":\"pending\"}");
        cpx_json_free(&callback);
        free(text);
    }
    cpx_buf_free(&path);
    return rc;
}

/* ------------------------------------------------------------------ refresh */

static int handle_refresh(const cpx_json *request, cliproxy_buffer *response) {
    const cpx_json *metadata = cpx_json_get(request, "Metadata");
    const cpx_json *refresh_token = cpx_json_member(metadata, "refresh_token");
    if (!cpx_json_str(refresh_token) || !refresh_token->str_len)
        return cpx_reply_error(response, "unauthorized", "no refresh token", 401);

    unsigned long long n = atomic_fetch_add(&refresh_count, 1) + 1;
    char token[64], next_refresh[CPX_RFC3339_SIZE];
    snprintf(token, sizeof token, "\"refreshed-c-%llu\"", n);
    cpx_rfc3339_utc(time(NULL) + 3600, next_refresh);

    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Auth\":{\"Metadata\":");
    cpx_json_set_member(&result, metadata->raw, metadata->raw_len, metadata, "access_token", token, strlen(token));
    cpx_buf_puts(&result, "},\"NextRefreshAfter\":\"");
    cpx_buf_puts(&result, next_refresh);
    cpx_buf_puts(&result, "\"}");
    return cpx_reply_result(response, &result);
}

/* ------------------------------------------------------------------ models */

static int handle_static(const cpx_json *request, cliproxy_buffer *response) {
    (void)request; /* the model exists only through credentials (scope oauth) */
    return cpx_reply_ok_str(response, "{\"Provider\":\"" PROVIDER "\",\"Models\":[]}");
}

static int handle_for_auth(const cpx_json *request, cliproxy_buffer *response) {
    const char *provider = cpx_json_str(cpx_json_get(request, "AuthProvider"));
    if (!provider || strcmp(provider, PROVIDER))
        return cpx_reply_ok_str(response, "{\"Provider\":\"\",\"Models\":[]}");
    return cpx_reply_ok_str(response, "{\"Provider\":\"" PROVIDER "\",\"Models\":[{\"ID\":\"" MODEL_ID "\","
                                      "\"Object\":\"model\",\"OwnedBy\":\"" PLUGIN_NAME "\"}]}");
}

/* ------------------------------------------------------------------ executor */

/* executor.execute and execute_stream: check the credential's access token, then answer
 * with it through `reply` (a whole completion or inline chunks). */
static int execute_with(const cpx_json *request, cliproxy_buffer *response, cpx_completion_reply reply) {
    const char *token = cpx_json_str(cpx_json_member(cpx_json_get(request, "AuthMetadata"), "access_token"));
    if (!token || !*token || !strcmp(token, "expired"))
        return cpx_reply_error(response, "unauthorized", "access token expired", 401);
    const char *auth_id = cpx_json_str(cpx_json_get(request, "AuthID"));
    cpx_buf content = {0};
    cpx_buf_puts(&content, MODEL_ID " used ");
    cpx_buf_puts(&content, token);
    cpx_buf_puts(&content, " from ");
    cpx_buf_puts(&content, auth_id ? auth_id : "");
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

static int handle_count_tokens(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    static const char count[] = "{\"input_tokens\":1}";
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Payload\":");
    cpx_buf_base64_string(&result, count, sizeof count - 1);
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_AUTH_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_AUTH_PARSE, handle_parse},
    {CLIPROXY_METHOD_AUTH_LOGIN_START, handle_login_start},
    {CLIPROXY_METHOD_AUTH_LOGIN_POLL, handle_login_poll},
    {CLIPROXY_METHOD_AUTH_REFRESH, handle_refresh},
    {CLIPROXY_METHOD_MODEL_STATIC, handle_static},
    {CLIPROXY_METHOD_MODEL_FOR_AUTH, handle_for_auth},
    {CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE, handle_execute},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, handle_execute_stream},
    {CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS, handle_count_tokens},
};

CPX_PLUGIN(methods)

/*
 * host-callback-c: a management resource page that calls back into the host.
 *
 *   GET <ResourceBasePath>/callbacks   makes three host calls, in this order, with the
 *                                      request's host_callback_id, and answers what each
 *                                      returned as JSON:
 *     1. host.log            one info line ("host-callback-c page requested", lang=c);
 *     2. host.http.do        GET config `url` (default http://127.0.0.1:8317/healthz);
 *     3. host.model.execute  a one-message OpenAI chat request to config `model`
 *                            (default example-echo-c) through the proxy's own pipeline.
 *   {"log":"ok","http":{"status":..,"body":<first 200 bytes>},"model":{"content":..}}, where a
 *   failed call shows {"error":<message>} instead.
 *
 * Host calls go through cpx_host_call (cliproxy_example.h), which keeps the host table
 * from cliproxy_plugin_init, parses the envelope and hands the reply buffer back to the
 * host's free_buffer. The calls are made re-entrantly, from inside management.handle.
 */
#include "cliproxy_example.h"

#define LANG "c"
#define PLUGIN_NAME "host-callback-" LANG
#define RESOURCE "/callbacks"
#define DEFAULT_URL "http://127.0.0.1:8317/healthz"
#define DEFAULT_MODEL "example-echo-" LANG
#define MODEL_PROMPT "hello from " PLUGIN_NAME
#define HTTP_BODY_LIMIT 200 /* bytes of the fetched body shown on the page */

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME,
                        "[" CPX_CONFIG_FIELD("url", "string", "URL fetched with host.http.do.") ","
                            CPX_CONFIG_FIELD("model", "string", "Model run with host.model.execute.") "]",
                        "{\"management_api\":true}");
}

static int handle_routes(const cpx_json *request, cliproxy_buffer *response) {
    if (!cpx_resource_base_set(request))
        return cpx_reply_error(response, "invalid_request", "ResourceBasePath is too long", 400);
    return cpx_reply_ok_str(response,
                            "{\"routes\":[],\"resources\":[{\"Path\":\"" RESOURCE "\","
                            "\"Menu\":\"Host callbacks (" LANG ")\","
                            "\"Description\":\"calls host.log, host.http.do and host.model.execute\"}]}");
}

/* Appends ,"host_callback_id":cb} : the end of every request below. */
static void end_host_request(cpx_buf *request, const char *callback_id) {
    cpx_buf_puts(request, ",\"host_callback_id\":");
    cpx_buf_json_string(request, callback_id, strlen(callback_id));
    cpx_buf_puts(request, "}");
}

/* Appends {"error":<the failed call's message>}. */
static void append_error(cpx_buf *page, const char *message) {
    cpx_buf_puts(page, "{\"error\":");
    cpx_buf_json_string(page, message, strlen(message));
    cpx_buf_puts(page, "}");
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. Lead bytes and
 * the second byte's range follow RFC 3629 (no overlongs, surrogates or values > U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len <= 1) return len;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (n < 2 || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (i >= n || (s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* Appends bytes as a JSON string of text, every invalid or cut-off UTF-8 byte replaced by
 * U+FFFD (a fetched body need not be UTF-8, and its first 200 bytes may end inside a
 * character; the reply must stay valid JSON). */
static void append_text(cpx_buf *page, const unsigned char *text, size_t n) {
    cpx_buf_puts(page, "\"");
    for (size_t i = 0; i < n;) {
        size_t len = utf8_sequence(text + i, n - i);
        if (len) cpx_buf_json_escape(page, (const char *)text + i, len);
        else cpx_buf_puts(page, "\xEF\xBF\xBD");
        i += len ? len : 1;
    }
    cpx_buf_puts(page, "\"");
}

/* 1. host.log; the page's "log" entry. */
static void call_log(cpx_buf *page, const char *callback_id) {
    cpx_buf request = {0};
    cpx_host_reply reply;
    cpx_buf_puts(&request, "{\"level\":\"info\",\"message\":\"" PLUGIN_NAME " page requested\","
                           "\"fields\":{\"lang\":\"" LANG "\"}");
    end_host_request(&request, callback_id);
    if (cpx_host_call_buf(CLIPROXY_HOST_LOG, &request, &reply)) cpx_buf_puts(page, "\"ok\"");
    else append_error(page, reply.error);
    cpx_host_reply_free(&reply);
}

/* 2. host.http.do GET config `url`; the page's "http" entry: the status and the start of
 * the body (the result's keys are PascalCase: StatusCode, Headers, Body). */
static void call_http(cpx_buf *page, const char *callback_id) {
    char url[2048];
    if (cpx_config_get("url", DEFAULT_URL, url, sizeof url) >= sizeof url) {
        append_error(page, "the configured url is too long");
        return;
    }
    cpx_buf request = {0};
    cpx_host_reply reply;
    cpx_buf_puts(&request, "{\"method\":\"GET\",\"url\":");
    cpx_buf_json_string(&request, url, strlen(url));
    cpx_buf_puts(&request, ",\"headers\":{\"User-Agent\":[\"" PLUGIN_NAME "\"]}");
    end_host_request(&request, callback_id);
    if (cpx_host_call_buf(CLIPROXY_HOST_HTTP_DO, &request, &reply)) {
        size_t n;
        unsigned char *body = cpx_json_bytes(cpx_json_get(reply.result, "Body"), &n);
        if (!body) {
            append_error(page, "host.http.do answered a Body that is not base64");
        } else {
            cpx_buf_printf(page, "{\"status\":%lld,\"body\":", cpx_json_int(cpx_json_get(reply.result, "StatusCode"), 0));
            append_text(page, body, n < HTTP_BODY_LIMIT ? n : HTTP_BODY_LIMIT);
            cpx_buf_puts(page, "}");
            free(body);
        }
    } else {
        append_error(page, reply.error);
    }
    cpx_host_reply_free(&reply);
}

/* Appends {"content":<choices[0].message.content>} of an OpenAI chat completion body ("" when
 * that message has no string content), or the error when the body is not a completion. */
static void append_model_content(cpx_buf *page, const unsigned char *body, size_t n) {
    cpx_doc doc = cpx_json_parse(body, n);
    const cpx_json *choices = cpx_json_member(doc.root, "choices");
    if (!doc.root || doc.root->kind != CPX_OBJECT) {
        append_error(page, "model reply is not a chat completion");
    } else if (!choices || choices->kind != CPX_ARRAY || !choices->child) {
        append_error(page, "model reply has no choices");
    } else {
        cpx_buf_puts(page, "{\"content\":");
        cpx_buf_json_str_of(page, cpx_json_member(cpx_json_member(choices->child, "message"), "content"));
        cpx_buf_puts(page, "}");
    }
    cpx_json_free(&doc);
}

/* 3. host.model.execute of a one-message chat to config `model`; the page's "model" entry. */
static void call_model(cpx_buf *page, const char *callback_id) {
    char model[512];
    if (cpx_config_get("model", DEFAULT_MODEL, model, sizeof model) >= sizeof model) {
        append_error(page, "the configured model is too long");
        return;
    }
    cpx_buf body = {0}, request = {0};
    cpx_host_reply reply;
    cpx_buf_puts(&body, "{\"model\":");
    cpx_buf_json_string(&body, model, strlen(model));
    cpx_buf_puts(&body, ",\"messages\":[{\"role\":\"user\",\"content\":\"" MODEL_PROMPT "\"}]}");
    cpx_buf_puts(&request, "{\"entry_protocol\":\"openai\",\"exit_protocol\":\"openai\",\"model\":");
    cpx_buf_json_string(&request, model, strlen(model));
    cpx_buf_puts(&request, ",\"stream\":false,\"body\":");
    cpx_buf_base64_string(&request, body.data, body.len);
    end_host_request(&request, callback_id);
    if (body.failed) request.failed = 1;
    cpx_buf_free(&body);
    if (cpx_host_call_buf(CLIPROXY_HOST_MODEL_EXECUTE, &request, &reply)) {
        size_t n;
        unsigned char *answer = cpx_json_bytes(cpx_json_get(reply.result, "body"), &n);
        if (answer) append_model_content(page, answer, n);
        else append_error(page, "host.model.execute answered a body that is not base64");
        free(answer);
    } else {
        append_error(page, reply.error);
    }
    cpx_host_reply_free(&reply);
}

static int handle_request(const cpx_json *request, cliproxy_buffer *response) {
    const char *method = cpx_json_str(cpx_json_get(request, "Method"));
    const char *path = cpx_json_str(cpx_json_get(request, "Path"));
    if (!method || strcmp(method, "GET") || !cpx_is_resource(path, RESOURCE)) return cpx_reply_not_found(response);
    const char *callback_id = cpx_json_str(cpx_json_get(request, "host_callback_id"));
    if (!callback_id) callback_id = "";

    cpx_buf page = {0};
    cpx_buf_puts(&page, "{\"log\":");
    call_log(&page, callback_id);
    cpx_buf_puts(&page, ",\"http\":");
    call_http(&page, callback_id);
    cpx_buf_puts(&page, ",\"model\":");
    call_model(&page, callback_id);
    cpx_buf_puts(&page, "}");
    return cpx_reply_http_buf(response, 200, "application/json", &page);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_MANAGEMENT_REGISTER, handle_routes},
    {CLIPROXY_METHOD_MANAGEMENT_HANDLE, handle_request},
};

CPX_PLUGIN(methods)

/*
 * response-translator-c: a made-up plain-text response format "lines-c", an executor that
 * answers in it, and the response translator from it back to openai.
 *
 * The executor (model lines-model-c, input openai, output lines-c) answers with the words of
 * the last message's text, one per line ("w1\nw2\nw3"), or as a stream one word per chunk.
 * The host has no native lines-c -> openai translator, so for an openai client it asks
 * response.translate: a whole response becomes a chat completion whose content is the lines
 * joined with " | ", a stream chunk becomes a chat.completion.chunk carrying the word and a
 * space. Every other format pair is declined with an empty result: same-format pairs reach
 * translators too, and answering them would hijack other providers' responses.
 */
#include "cliproxy_example.h"

#define PLUGIN_NAME "response-translator-c"
#define FORMAT "lines-c"
#define COMPLETION_ID "chatcmpl-response-translator-c"

static int handle_register(const cpx_json *request, cliproxy_buffer *response) {
    return cpx_register(request, response, PLUGIN_NAME, "null",
                        "{\"response_translator\":true,\"executor\":true,\"model_provider\":true,"
                        "\"executor_model_scope\":\"static\",\"executor_input_formats\":[\"openai\"],"
                        "\"executor_output_formats\":[\"" FORMAT "\"]}");
}

static int handle_identifier(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_identifier(response, FORMAT);
}

static int handle_static(const cpx_json *request, cliproxy_buffer *response) {
    (void)request;
    return cpx_reply_ok_str(response, "{\"Provider\":\"" FORMAT "\",\"Models\":[{\"ID\":\"lines-model-c\","
                                      "\"Object\":\"model\",\"OwnedBy\":\"" PLUGIN_NAME "\"}]}");
}

/* Finds the next word of text[0..n) at or after *pos: words are separated by ASCII spaces,
 * and the empty ones between two spaces are skipped. Returns 0 when there is none left. */
static int next_word(const char *text, size_t n, size_t *pos, const char **word, size_t *word_len) {
    size_t i = *pos;
    while (i < n && text[i] == ' ') i++;
    if (i == n) { *pos = n; return 0; }
    size_t start = i;
    while (i < n && text[i] != ' ') i++;
    *word = text + start;
    *word_len = i - start;
    *pos = i;
    return 1;
}

/* Appends the executor.execute reply: the words one per line as a lines-c Payload. */
static void build_lines(cpx_buf *result, const char *text, size_t n) {
    cpx_buf lines = {0};
    const char *word;
    size_t word_len, pos = 0;
    while (next_word(text, n, &pos, &word, &word_len)) {
        if (lines.len) cpx_buf_puts(&lines, "\n");
        cpx_buf_append(&lines, word, word_len);
    }
    cpx_buf_puts(result, "{\"Payload\":");
    cpx_buf_base64_string(result, lines.data, lines.len);
    cpx_buf_puts(result, ",\"Headers\":{\"Content-Type\":[\"text/plain\"]}}");
    if (lines.failed) result->failed = 1;
    cpx_buf_free(&lines);
}

/* Appends the executor.execute_stream reply: one inline chunk per word, its Payload the
 * word's bytes. Inline chunks must not be empty (an empty list means "I will stream with
 * host.stream.emit", which this plugin never does), so no words give one empty chunk. */
static void build_word_chunks(cpx_buf *result, const char *text, size_t n) {
    const char *word;
    size_t word_len, pos = 0, count = 0;
    cpx_buf_puts(result, "{\"headers\":{\"Content-Type\":[\"text/event-stream\"]},\"chunks\":[");
    while (next_word(text, n, &pos, &word, &word_len)) {
        cpx_buf_puts(result, count++ ? ",{\"Payload\":" : "{\"Payload\":");
        cpx_buf_base64_string(result, word, word_len);
        cpx_buf_puts(result, "}");
    }
    cpx_buf_puts(result, count ? "]}" : "{\"Payload\":\"\"}]}");
}

/* Reads the openai request in Payload and replies with what `build` makes of the last
 * message's text. */
static int execute_with(const cpx_json *request, cliproxy_buffer *response,
                        void (*build)(cpx_buf *result, const char *text, size_t n)) {
    size_t n;
    unsigned char *payload = cpx_json_bytes(cpx_json_get(request, "Payload"), &n);
    if (!payload) return cpx_reply_error(response, "invalid_request", "Payload is not valid base64", 400);
    cpx_doc body = cpx_json_parse(payload, n);
    int rc;
    if (!body.root || body.root->kind != CPX_OBJECT) {
        rc = cpx_reply_error(response, "invalid_request", "Payload is not a JSON object", 400);
    } else {
        cpx_buf text = {0}, result = {0};
        cpx_last_message_text(body.root, &text); /* no messages: no words */
        build(&result, text.data ? text.data : "", text.len);
        if (text.failed) result.failed = 1;
        cpx_buf_free(&text);
        rc = cpx_reply_result(response, &result);
    }
    cpx_json_free(&body);
    free(payload);
    return rc;
}

static int handle_execute(const cpx_json *request, cliproxy_buffer *response) {
    return execute_with(request, response, build_lines);
}

static int handle_execute_stream(const cpx_json *request, cliproxy_buffer *response) {
    return execute_with(request, response, build_word_chunks);
}

/* Appends the openai form of a lines-c body: for a whole response a chat completion whose
 * content is the lines joined with " | ", for a stream chunk (one word) a
 * chat.completion.chunk whose delta carries the text and a space. */
static void translate_body(cpx_buf *out, const char *model, int stream, const char *text, size_t n) {
    cpx_buf content = {0};
    if (stream) {
        cpx_buf_append(&content, text, n);
        cpx_buf_puts(&content, " ");
        cpx_buf_completion_head(out, COMPLETION_ID, "chat.completion.chunk", model);
        cpx_buf_puts(out, ",\"choices\":[{\"index\":0,\"delta\":{\"content\":");
        cpx_buf_json_string(out, content.data ? content.data : "", content.len);
        cpx_buf_puts(out, "},\"finish_reason\":null}]}");
    } else {
        for (size_t i = 0; i < n; i++) {
            if (text[i] == '\n') cpx_buf_puts(&content, " | ");
            else cpx_buf_append(&content, &text[i], 1);
        }
        cpx_buf_completion(out, COMPLETION_ID, model, content.data ? content.data : "", content.len);
    }
    if (content.failed) out->failed = 1;
    cpx_buf_free(&content);
}

static int handle_translate(const cpx_json *request, cliproxy_buffer *response) {
    const char *from = cpx_json_str(cpx_json_get(request, "FromFormat"));
    const char *to = cpx_json_str(cpx_json_get(request, "ToFormat"));
    if (!from || !to || strcmp(from, FORMAT) || strcmp(to, "openai"))
        return cpx_reply_empty(response); /* not our pair */
    size_t n;
    unsigned char *body = cpx_json_bytes(cpx_json_get(request, "Body"), &n);
    if (!body) return cpx_reply_error(response, "invalid_request", "Body is not valid base64", 400);
    cpx_buf translated = {0};
    translate_body(&translated, cpx_json_str(cpx_json_get(request, "Model")),
                   cpx_json_bool(cpx_json_get(request, "Stream")), (const char *)body, n);
    free(body);
    return cpx_reply_body_buf(response, &translated);
}

static const cpx_method methods[] = {
    {CLIPROXY_METHOD_PLUGIN_REGISTER, handle_register},
    {CLIPROXY_METHOD_PLUGIN_RECONFIGURE, handle_register},
    {CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, handle_identifier},
    {CLIPROXY_METHOD_MODEL_STATIC, handle_static},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE, handle_execute},
    {CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, handle_execute_stream},
    {CLIPROXY_METHOD_RESPONSE_TRANSLATE, handle_translate},
};

CPX_PLUGIN(methods)

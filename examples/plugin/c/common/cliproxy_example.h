/*
 * cliproxy_example.h: the small helper every C example plugin shares.
 *
 * Header-only (all functions static) so an example stays one .c file plus this header:
 *   - cpx_buf:    a growable byte buffer for building JSON replies;
 *   - cpx_json:   a minimal JSON reader (a tree of nodes in one arena) with Go-style
 *                 case-insensitive key lookup, enough for the RPC requests a plugin reads;
 *   - base64:     standard alphabet with padding, as the wire uses for byte fields;
 *   - replies:    {"ok":true,"result":...} and {"ok":false,"error":{...}} envelopes,
 *                 allocated with malloc and released by cpx_free_buffer.
 *
 * The ABI itself (structs, method names, ownership) comes from cliproxy_plugin.h.
 */
#ifndef CLIPROXY_EXAMPLE_H
#define CLIPROXY_EXAMPLE_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cliproxy_plugin.h"

/* ------------------------------------------------------------------ growable buffer */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int failed; /* set once an allocation failed; every later append is a no-op */
} cpx_buf;

static void cpx_buf_reserve(cpx_buf *b, size_t extra) {
    if (b->failed || b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) { b->failed = 1; return; }
    b->data = grown;
    b->cap = cap;
}

static void cpx_buf_append(cpx_buf *b, const char *bytes, size_t n) {
    cpx_buf_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void cpx_buf_puts(cpx_buf *b, const char *text) { cpx_buf_append(b, text, strlen(text)); }

static void cpx_buf_printf(cpx_buf *b, const char *format, long long value) {
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, format, value);
    if (n > 0) cpx_buf_append(b, tmp, (size_t)n);
}

/* Appends `text` as a JSON string literal, escaping what JSON requires. */
static void cpx_buf_json_string(cpx_buf *b, const char *text, size_t n) {
    cpx_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '"': cpx_buf_append(b, "\\\"", 2); break;
        case '\\': cpx_buf_append(b, "\\\\", 2); break;
        case '\n': cpx_buf_append(b, "\\n", 2); break;
        case '\r': cpx_buf_append(b, "\\r", 2); break;
        case '\t': cpx_buf_append(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char esc[8];
                snprintf(esc, sizeof esc, "\\u%04x", c);
                cpx_buf_append(b, esc, 6);
            } else {
                cpx_buf_append(b, (const char *)&text[i], 1);
            }
        }
    }
    cpx_buf_append(b, "\"", 1);
}

/* ------------------------------------------------------------------ base64 */

static const char cpx_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void cpx_buf_base64(cpx_buf *b, const unsigned char *in, size_t n) {
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        char out[4] = {cpx_b64_alphabet[(v >> 18) & 63], cpx_b64_alphabet[(v >> 12) & 63],
                       i + 1 < n ? cpx_b64_alphabet[(v >> 6) & 63] : '=',
                       i + 2 < n ? cpx_b64_alphabet[v & 63] : '='};
        cpx_buf_append(b, out, 4);
    }
}

static int cpx_b64_value(char c) {
    const char *p = c ? strchr(cpx_b64_alphabet, c) : NULL;
    return p ? (int)(p - cpx_b64_alphabet) : -1;
}

/* Decodes padded standard base64 into a new malloc'ed buffer. Returns NULL when the input
 * is not valid base64 (length not a multiple of 4, bad character, bad padding). */
static unsigned char *cpx_base64_decode(const char *in, size_t n, size_t *out_len) {
    if (n % 4) return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int a = cpx_b64_value(in[i]), b = cpx_b64_value(in[i + 1]);
        int pad3 = in[i + 2] == '=', pad4 = in[i + 3] == '=';
        int c = pad3 ? 0 : cpx_b64_value(in[i + 2]), d = pad4 ? 0 : cpx_b64_value(in[i + 3]);
        if (a < 0 || b < 0 || c < 0 || d < 0 || (pad3 && !pad4) || ((pad3 || pad4) && i + 4 != n)) {
            free(out);
            return NULL;
        }
        unsigned v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
        out[o++] = (unsigned char)(v >> 16);
        if (!pad3) out[o++] = (unsigned char)(v >> 8);
        if (!pad4) out[o++] = (unsigned char)v;
    }
    *out_len = o;
    return out;
}

/* ------------------------------------------------------------------ JSON reader */

typedef enum { CPX_NULL, CPX_BOOL, CPX_NUMBER, CPX_STRING, CPX_ARRAY, CPX_OBJECT } cpx_kind;

typedef struct cpx_json {
    cpx_kind kind;
    char *key;             /* member name when inside an object */
    char *str;             /* decoded UTF-8 for strings, NUL-terminated */
    size_t str_len;
    double number;
    int boolean;
    struct cpx_json *child; /* first element / member */
    struct cpx_json *next;  /* next sibling */
} cpx_json;

typedef struct {
    const char *p, *end;
    cpx_json **nodes; /* every allocation, for cpx_json_free */
    size_t count, cap;
    int depth;
} cpx_parser;

static void *cpx_track(cpx_parser *ps, void *ptr) {
    if (!ptr) return NULL;
    if (ps->count == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        cpx_json **grown = realloc(ps->nodes, cap * sizeof *grown);
        if (!grown) { free(ptr); return NULL; }
        ps->nodes = grown;
        ps->cap = cap;
    }
    ps->nodes[ps->count++] = ptr;
    return ptr;
}

static void cpx_skip_ws(cpx_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static void cpx_utf8(cpx_buf *b, unsigned cp) {
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; cpx_buf_append(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 2); }
    else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 63)); u[2] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 3); }
    else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 63)); u[2] = (char)(0x80 | (cp >> 6 & 63)); u[3] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 4); }
}

static int cpx_hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* Parses a string literal at ps->p into a tracked malloc'ed buffer. */
static char *cpx_parse_string(cpx_parser *ps, size_t *len) {
    cpx_buf b = {0};
    ps->p++; /* opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if (c != '\\') { cpx_buf_append(&b, &c, 1); continue; }
        if (ps->p >= ps->end) break;
        char e = *ps->p++;
        switch (e) {
        case 'n': cpx_buf_append(&b, "\n", 1); break;
        case 't': cpx_buf_append(&b, "\t", 1); break;
        case 'r': cpx_buf_append(&b, "\r", 1); break;
        case 'b': cpx_buf_append(&b, "\b", 1); break;
        case 'f': cpx_buf_append(&b, "\f", 1); break;
        case 'u': {
            unsigned cp, low;
            if (ps->end - ps->p < 4 || !cpx_hex4(ps->p, &cp)) { free(b.data); return NULL; }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u' && cpx_hex4(ps->p + 2, &low) && low >= 0xDC00 && low < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                ps->p += 6;
            }
            cpx_utf8(&b, cp);
            break;
        }
        default: cpx_buf_append(&b, &e, 1); /* \" \\ \/ */
        }
    }
    if (ps->p >= ps->end || b.failed) { free(b.data); return NULL; }
    ps->p++; /* closing quote */
    cpx_buf_append(&b, "", 1);
    if (b.failed) { free(b.data); return NULL; }
    *len = b.len - 1;
    return cpx_track(ps, b.data);
}

static cpx_json *cpx_parse_value(cpx_parser *ps) {
    cpx_skip_ws(ps);
    if (ps->p >= ps->end || ++ps->depth > 64) return NULL;
    cpx_json *node = cpx_track(ps, calloc(1, sizeof *node));
    if (!node) return NULL;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        int object = c == '{';
        node->kind = object ? CPX_OBJECT : CPX_ARRAY;
        ps->p++;
        cpx_json **tail = &node->child;
        cpx_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) { ps->p++; ps->depth--; return node; }
        for (;;) {
            char *key = NULL;
            size_t key_len;
            if (object) {
                cpx_skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"' || !(key = cpx_parse_string(ps, &key_len))) return NULL;
                cpx_skip_ws(ps);
                if (ps->p >= ps->end || *ps->p++ != ':') return NULL;
            }
            cpx_json *item = cpx_parse_value(ps);
            if (!item) return NULL;
            item->key = key;
            *tail = item;
            tail = &item->next;
            cpx_skip_ws(ps);
            if (ps->p >= ps->end) return NULL;
            if (*ps->p == ',') { ps->p++; continue; }
            if (*ps->p++ != (object ? '}' : ']')) return NULL;
            break;
        }
    } else if (c == '"') {
        node->kind = CPX_STRING;
        if (!(node->str = cpx_parse_string(ps, &node->str_len))) return NULL;
    } else if (ps->end - ps->p >= 4 && !memcmp(ps->p, "true", 4)) {
        node->kind = CPX_BOOL; node->boolean = 1; ps->p += 4;
    } else if (ps->end - ps->p >= 5 && !memcmp(ps->p, "false", 5)) {
        node->kind = CPX_BOOL; ps->p += 5;
    } else if (ps->end - ps->p >= 4 && !memcmp(ps->p, "null", 4)) {
        node->kind = CPX_NULL; ps->p += 4;
    } else {
        char tmp[64];
        size_t n = 0;
        while (ps->p + n < ps->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", ps->p[n])) n++;
        if (!n) return NULL;
        memcpy(tmp, ps->p, n);
        tmp[n] = 0;
        node->kind = CPX_NUMBER;
        node->number = strtod(tmp, NULL);
        ps->p += n;
    }
    ps->depth--;
    return node;
}

typedef struct {
    cpx_json *root; /* NULL when the text is not valid JSON */
    cpx_json **nodes;
    size_t count;
} cpx_doc;

static cpx_doc cpx_json_parse(const void *text, size_t len) {
    cpx_parser ps = {(const char *)text, (const char *)text + len, NULL, 0, 0, 0};
    cpx_doc doc = {cpx_parse_value(&ps), NULL, 0};
    cpx_skip_ws(&ps);
    if (ps.p != ps.end) doc.root = NULL;
    doc.nodes = ps.nodes;
    doc.count = ps.count;
    return doc;
}

static void cpx_json_free(cpx_doc *doc) {
    for (size_t i = 0; i < doc->count; i++) free(doc->nodes[i]);
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = 0;
    doc->root = NULL;
}

/* Object member by name: exact match first, then case-insensitive, as Go decodes. */
static const cpx_json *cpx_json_get(const cpx_json *object, const char *key) {
    if (!object || object->kind != CPX_OBJECT) return NULL;
    const cpx_json *folded = NULL;
    for (const cpx_json *m = object->child; m; m = m->next) {
        if (!strcmp(m->key, key)) return m;
        if (!folded && !strcasecmp(m->key, key)) folded = m;
    }
    return folded;
}

static const char *cpx_json_str(const cpx_json *node) {
    return node && node->kind == CPX_STRING ? node->str : NULL;
}

/* ------------------------------------------------------------------ envelopes */

static int cpx_reply(cliproxy_buffer *response, cpx_buf *body) {
    if (body->failed) { free(body->data); return 1; }
    response->ptr = body->data;
    response->len = body->len;
    return 0;
}

/* {"ok":true,"result":<result_json>} */
static int cpx_reply_ok(cliproxy_buffer *response, const char *result_json, size_t n) {
    cpx_buf b = {0};
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":");
    cpx_buf_append(&b, result_json, n);
    cpx_buf_puts(&b, "}");
    return cpx_reply(response, &b);
}

/* {"ok":false,"error":{"code":..,"message":..[,"http_status":N]}}; status 0 = unset. */
static int cpx_reply_error(cliproxy_buffer *response, const char *code, const char *message,
                           int http_status) {
    cpx_buf b = {0};
    cpx_buf_puts(&b, "{\"ok\":false,\"error\":{\"code\":");
    cpx_buf_json_string(&b, code, strlen(code));
    cpx_buf_puts(&b, ",\"message\":");
    cpx_buf_json_string(&b, message, strlen(message));
    if (http_status > 0) cpx_buf_printf(&b, ",\"http_status\":%lld", http_status);
    cpx_buf_puts(&b, "}}");
    return cpx_reply(response, &b);
}

/* The plugin's free_buffer: every reply above is one malloc'ed block. */
static void cpx_free_buffer(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

/* Reads a top-level scalar `key: value` line of the plugin's config YAML (quotes removed)
 * into out. Enough for flat example settings; returns 0 when the key is absent. */
static int cpx_config_value(const char *yaml, size_t n, const char *key, char *out, size_t out_size) {
    size_t key_len = strlen(key);
    const char *line = yaml, *end = yaml + n;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        if ((size_t)(eol - line) > key_len && !memcmp(line, key, key_len) && line[key_len] == ':') {
            const char *v = line + key_len + 1, *v_end = eol;
            while (v < v_end && isspace((unsigned char)*v)) v++;
            const char *hash = NULL;
            for (const char *q = v; q < v_end; q++) if (*q == '#' && (q == v || q[-1] == ' ')) { hash = q; break; }
            if (hash && *v != '"' && *v != '\'') v_end = hash;
            while (v_end > v && isspace((unsigned char)v_end[-1])) v_end--;
            if (v_end - v >= 2 && (*v == '"' || *v == '\'') && v_end[-1] == *v) { v++; v_end--; }
            size_t len = (size_t)(v_end - v) < out_size - 1 ? (size_t)(v_end - v) : out_size - 1;
            memcpy(out, v, len);
            out[len] = 0;
            return 1;
        }
        line = eol + 1;
    }
    return 0;
}

#endif /* CLIPROXY_EXAMPLE_H */

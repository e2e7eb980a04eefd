/*
 * cliproxy_example.h: the small helper every C example plugin shares.
 *
 * Header-only so an example stays one .c file plus this header. Every function is
 * `static inline`: each example is one translation unit, and one that does not use a
 * helper gets no unused-function warning for it.
 *
 *   - cpx_buf:      a growable byte buffer for building JSON replies;
 *   - base64:       standard alphabet with padding, as the wire uses for []byte fields;
 *   - cpx_json:     a minimal JSON reader (a tree of nodes) with Go-style case-insensitive
 *                   key lookup; every node also remembers its bytes in the parsed text, so
 *                   a JSON body can be rewritten in place without re-serialising it;
 *   - rewriting:    insert a first member into an object, set (replace) a member;
 *   - OpenAI:       the last message's text, chat completions and their stream chunks;
 *   - small utils:  comma-separated lists, substring search, percent-encoding, random hex,
 *                   RFC 3339 time, whole-line appends to a file;
 *   - config:       the plugin's config YAML kept from plugin.register / reconfigure;
 *   - replies:      {"ok":true,"result":...} and {"ok":false,"error":{...}} envelopes,
 *                   allocated with malloc and released by cpx_free_buffer;
 *   - management:   the plugin's ResourceBasePath and management.handle's HTTP replies;
 *   - host calls:   the host table kept from cliproxy_plugin_init, and cpx_host_call,
 *                   which calls back into the host and parses its envelope;
 *   - plugin:       a method table, the dispatcher, and CPX_PLUGIN() which defines the
 *                   plugin's `call` and exports cliproxy_plugin_init.
 *
 * The ABI itself (structs, method names, ownership) comes from cliproxy_plugin.h.
 * Everything here is thread-safe: the shared state (the config, the resource base path,
 * the append lock) is behind mutexes, and the host table pointer is atomic.
 */
#ifndef CLIPROXY_EXAMPLE_H
#define CLIPROXY_EXAMPLE_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cliproxy_plugin.h"

/* ------------------------------------------------------------------ growable buffer */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int failed; /* set once an allocation failed; every later append is a no-op */
} cpx_buf;

static inline void cpx_buf_reserve(cpx_buf *b, size_t extra) {
    if (b->failed || b->len + extra <= b->cap) return;
    if (b->len + extra < b->len) { b->failed = 1; return; } /* size_t overflow */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) { b->failed = 1; return; }
    b->data = grown;
    b->cap = cap;
}

static inline void cpx_buf_append(cpx_buf *b, const char *bytes, size_t n) {
    if (!n) return;
    cpx_buf_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static inline void cpx_buf_puts(cpx_buf *b, const char *text) { cpx_buf_append(b, text, strlen(text)); }

/* Appends one integer formatted with `format` (which holds exactly one %lld). */
static inline void cpx_buf_printf(cpx_buf *b, const char *format, long long value) {
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, format, value);
    if (n > 0) cpx_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Releases the buffer's memory and leaves it empty (reusable). */
static inline void cpx_buf_free(cpx_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Appends `text` escaped for the inside of a JSON string literal (no quotes). Bytes >= 0x80
 * are copied as they are: the wire is UTF-8. */
static inline void cpx_buf_json_escape(cpx_buf *b, const char *text, size_t n) {
    size_t run = 0; /* start of the bytes that need no escape, copied in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        cpx_buf_append(b, text + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': cpx_buf_append(b, "\\\"", 2); break;
        case '\\': cpx_buf_append(b, "\\\\", 2); break;
        case '\n': cpx_buf_append(b, "\\n", 2); break;
        case '\r': cpx_buf_append(b, "\\r", 2); break;
        case '\t': cpx_buf_append(b, "\\t", 2); break;
        default: {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            cpx_buf_append(b, esc, 6);
        }
        }
    }
    cpx_buf_append(b, text + run, n - run);
}

/* Appends `text` as a JSON string literal, escaping what JSON requires. */
static inline void cpx_buf_json_string(cpx_buf *b, const char *text, size_t n) {
    cpx_buf_append(b, "\"", 1);
    cpx_buf_json_escape(b, text, n);
    cpx_buf_append(b, "\"", 1);
}

/* ------------------------------------------------------------------ base64 */

static const char cpx_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline void cpx_buf_base64(cpx_buf *b, const unsigned char *in, size_t n) {
    cpx_buf_reserve(b, (n + 2) / 3 * 4);
    if (b->failed) return;
    char *out = b->data + b->len;
    for (size_t i = 0; i < n; i += 3, out += 4) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[0] = cpx_b64_alphabet[(v >> 18) & 63];
        out[1] = cpx_b64_alphabet[(v >> 12) & 63];
        out[2] = i + 1 < n ? cpx_b64_alphabet[(v >> 6) & 63] : '=';
        out[3] = i + 2 < n ? cpx_b64_alphabet[v & 63] : '=';
    }
    b->len += (n + 2) / 3 * 4;
}

/* Appends bytes as a JSON string of their base64: the wire form of a Go []byte field. */
static inline void cpx_buf_base64_string(cpx_buf *b, const void *bytes, size_t n) {
    cpx_buf_append(b, "\"", 1);
    cpx_buf_base64(b, (const unsigned char *)bytes, n);
    cpx_buf_append(b, "\"", 1);
}

static inline int cpx_b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes padded standard base64 into a new malloc'ed buffer, NUL-terminated after the
 * *out_len bytes (so decoded text can be used as a C string). Returns NULL when the input
 * is not valid base64 (length not a multiple of 4, bad character, bad padding). */
static inline unsigned char *cpx_base64_decode(const char *in, size_t n, size_t *out_len) {
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
    out[o] = 0;
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
    const char *raw;        /* the value's own bytes in the parsed text (for a string: with */
    size_t raw_len;         /* its quotes and escapes); valid only while that text is */
} cpx_json;

typedef struct {
    const char *p, *end;
    cpx_json **nodes; /* every allocation, for cpx_json_free */
    size_t count, cap;
    int depth;
} cpx_parser;

static inline void *cpx_track(cpx_parser *ps, void *ptr) {
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

static inline void cpx_skip_ws(cpx_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static inline void cpx_utf8(cpx_buf *b, unsigned cp) {
    char u[4];
    if (cp < 0x80) { u[0] = (char)cp; cpx_buf_append(b, u, 1); }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 2); }
    else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 63)); u[2] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 3); }
    else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 63)); u[2] = (char)(0x80 | (cp >> 6 & 63)); u[3] = (char)(0x80 | (cp & 63)); cpx_buf_append(b, u, 4); }
}

static inline int cpx_hex4(const char *p, unsigned *out) {
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
static inline char *cpx_parse_string(cpx_parser *ps, size_t *len) {
    cpx_buf b = {0};
    ps->p++; /* opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        const char *run = ps->p; /* bytes up to the next quote or escape, copied in one go */
        while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\') ps->p++;
        cpx_buf_append(&b, run, (size_t)(ps->p - run));
        if (ps->p >= ps->end || *ps->p == '"') break;
        if (++ps->p >= ps->end) break; /* the backslash */
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
    cpx_buf_reserve(&b, 1); /* room for the NUL, which str_len does not count */
    if (b.failed) { free(b.data); return NULL; }
    b.data[b.len] = 0;
    *len = b.len;
    return cpx_track(ps, b.data);
}

static inline cpx_json *cpx_parse_value(cpx_parser *ps);

/* Parses the object or array whose opening bracket is at ps->p into node. */
static inline int cpx_parse_container(cpx_parser *ps, cpx_json *node) {
    int object = *ps->p == '{';
    char close = object ? '}' : ']';
    node->kind = object ? CPX_OBJECT : CPX_ARRAY;
    ps->p++;
    cpx_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) { ps->p++; return 1; }
    for (cpx_json **tail = &node->child;;) {
        char *key = NULL;
        if (object) {
            size_t key_len;
            cpx_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"' || !(key = cpx_parse_string(ps, &key_len))) return 0;
            cpx_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p++ != ':') return 0;
        }
        cpx_json *item = cpx_parse_value(ps);
        if (!item) return 0;
        item->key = key;
        *tail = item;
        tail = &item->next;
        cpx_skip_ws(ps);
        if (ps->p >= ps->end) return 0;
        char c = *ps->p++;
        if (c == close) return 1;
        if (c != ',') return 0;
    }
}

/* Parses true, false, null or a number at ps->p into node. */
static inline int cpx_parse_literal(cpx_parser *ps, cpx_json *node) {
    size_t left = (size_t)(ps->end - ps->p);
    if (left >= 4 && !memcmp(ps->p, "true", 4)) { node->kind = CPX_BOOL; node->boolean = 1; ps->p += 4; return 1; }
    if (left >= 5 && !memcmp(ps->p, "false", 5)) { node->kind = CPX_BOOL; ps->p += 5; return 1; }
    if (left >= 4 && !memcmp(ps->p, "null", 4)) { node->kind = CPX_NULL; ps->p += 4; return 1; }
    char tmp[64];
    size_t n = 0;
    while (n < left && n < sizeof tmp - 1 && ps->p[n] && strchr("+-0123456789.eE", ps->p[n])) n++;
    if (!n) return 0;
    memcpy(tmp, ps->p, n);
    tmp[n] = 0;
    node->kind = CPX_NUMBER;
    node->number = strtod(tmp, NULL);
    ps->p += n;
    return 1;
}

static inline cpx_json *cpx_parse_value(cpx_parser *ps) {
    cpx_skip_ws(ps);
    if (ps->p >= ps->end || ++ps->depth > 64) return NULL;
    cpx_json *node = cpx_track(ps, calloc(1, sizeof *node));
    if (!node) return NULL;
    const char *start = ps->p;
    int ok;
    if (*ps->p == '{' || *ps->p == '[') {
        ok = cpx_parse_container(ps, node);
    } else if (*ps->p == '"') {
        node->kind = CPX_STRING;
        ok = (node->str = cpx_parse_string(ps, &node->str_len)) != NULL;
    } else {
        ok = cpx_parse_literal(ps, node);
    }
    if (!ok) return NULL;
    node->raw = start;
    node->raw_len = (size_t)(ps->p - start);
    ps->depth--;
    return node;
}

typedef struct {
    cpx_json *root; /* NULL when the text is not valid JSON */
    cpx_json **nodes;
    size_t count;
} cpx_doc;

/* Parses `text`. The tree's strings are copies, but every node's `raw` points into `text`,
 * so keep the text alive while you use those. Release the tree with cpx_json_free. */
static inline cpx_doc cpx_json_parse(const void *text, size_t len) {
    cpx_parser ps = {(const char *)text, (const char *)text + len, NULL, 0, 0, 0};
    cpx_doc doc = {cpx_parse_value(&ps), NULL, 0};
    cpx_skip_ws(&ps);
    if (ps.p != ps.end) doc.root = NULL;
    doc.nodes = ps.nodes;
    doc.count = ps.count;
    return doc;
}

static inline void cpx_json_free(cpx_doc *doc) {
    for (size_t i = 0; i < doc->count; i++) free(doc->nodes[i]);
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = 0;
    doc->root = NULL;
}

/* Member of a Go-struct request by field name: exact match first, then case-insensitive,
 * as Go decodes. */
static inline const cpx_json *cpx_json_get(const cpx_json *object, const char *key) {
    if (!object || object->kind != CPX_OBJECT) return NULL;
    const cpx_json *folded = NULL;
    for (const cpx_json *m = object->child; m; m = m->next) {
        if (!strcmp(m->key, key)) return m;
        if (!folded && !strcasecmp(m->key, key)) folded = m;
    }
    return folded;
}

/* Member of a JSON map (a body, a Metadata object, a credential file) by its exact key:
 * unlike struct fields, map keys are case-sensitive. */
static inline const cpx_json *cpx_json_member(const cpx_json *object, const char *key) {
    if (!object || object->kind != CPX_OBJECT) return NULL;
    for (const cpx_json *m = object->child; m; m = m->next)
        if (!strcmp(m->key, key)) return m;
    return NULL;
}

static inline const char *cpx_json_str(const cpx_json *node) {
    return node && node->kind == CPX_STRING ? node->str : NULL;
}

/* 1 when node is JSON true. */
static inline int cpx_json_bool(const cpx_json *node) {
    return node && node->kind == CPX_BOOL && node->boolean;
}

/* The node's number truncated to an integer, or `fallback` when it is not a number or
 * does not fit (converting an out-of-range double is undefined behaviour in C). */
static inline long long cpx_json_int(const cpx_json *node, long long fallback) {
    if (!node || node->kind != CPX_NUMBER || !(node->number > -9.2e18 && node->number < 9.2e18)) return fallback;
    return (long long)node->number;
}

/* Decodes a []byte field (a padded base64 string) into a new malloc'ed, NUL-terminated
 * buffer; a missing or null field decodes to an empty one. NULL when the value is not valid
 * base64 (or is not a string), or on allocation failure. */
static inline unsigned char *cpx_json_bytes(const cpx_json *node, size_t *len) {
    *len = 0;
    if (!node || node->kind == CPX_NULL) return calloc(1, 1);
    if (node->kind != CPX_STRING) return NULL;
    return cpx_base64_decode(node->str, node->str_len, len);
}

/* First value of a header in an http.Header object ({"Name":["v1","v2"]}), or NULL. HTTP
 * header names are case-insensitive, so the lookup is too. */
static inline const char *cpx_header_first(const cpx_json *headers, const char *name) {
    const cpx_json *values = cpx_json_get(headers, name);
    return values && values->kind == CPX_ARRAY ? cpx_json_str(values->child) : NULL;
}

/* Appends node as a JSON string: its text when it is a string, "" otherwise (a Go string
 * field is never null). */
static inline void cpx_buf_json_str_of(cpx_buf *b, const cpx_json *node) {
    const char *s = cpx_json_str(node);
    cpx_buf_json_string(b, s ? s : "", s ? node->str_len : 0);
}

/* Appends node as a JSON number exactly as it was received (no float round trip, so
 * int64 nanoseconds stay exact), or 0 when it is not a number. */
static inline void cpx_buf_json_number_of(cpx_buf *b, const cpx_json *node) {
    if (node && node->kind == CPX_NUMBER) cpx_buf_append(b, node->raw, node->raw_len);
    else cpx_buf_puts(b, "0");
}

/* Appends true or false. */
static inline void cpx_buf_json_bool_of(cpx_buf *b, const cpx_json *node) {
    cpx_buf_puts(b, cpx_json_bool(node) ? "true" : "false");
}

/* ------------------------------------------------------------------ JSON rewriting
 * These edit a JSON text through the `raw` spans of its parsed tree, so everything not
 * touched (number spelling, key order, whitespace) stays byte for byte as it was. */

/* Appends text[0..len) with `member` (`"key":value`) inserted right after the opening `{`
 * of `object`, a node parsed from that text, followed by a comma when the object had
 * members (an empty object stays valid JSON). */
static inline void cpx_json_insert_first(cpx_buf *out, const char *text, size_t len,
                                         const cpx_json *object, const char *member, size_t member_len) {
    size_t at = (size_t)(object->raw - text) + 1;
    cpx_buf_append(out, text, at);
    cpx_buf_append(out, member, member_len);
    if (object->child) cpx_buf_puts(out, ",");
    cpx_buf_append(out, text + at, len - at);
}

/* Appends text[0..len) with the member `key` of `object` (parsed from that text) set to
 * `value` (JSON): an existing member keeps its place and gets the new value, a missing
 * one becomes the first member. */
static inline void cpx_json_set_member(cpx_buf *out, const char *text, size_t len, const cpx_json *object,
                                       const char *key, const char *value, size_t value_len) {
    const cpx_json *old = cpx_json_member(object, key);
    if (old) {
        size_t at = (size_t)(old->raw - text);
        cpx_buf_append(out, text, at);
        cpx_buf_append(out, value, value_len);
        cpx_buf_append(out, old->raw + old->raw_len, len - at - old->raw_len);
        return;
    }
    cpx_buf member = {0};
    cpx_buf_json_string(&member, key, strlen(key));
    cpx_buf_puts(&member, ":");
    cpx_buf_append(&member, value, value_len);
    if (member.failed) out->failed = 1;
    else cpx_json_insert_first(out, text, len, object, member.data, member.len);
    cpx_buf_free(&member);
}

/* Decodes the []byte field `body` (base64) and, when it holds a JSON object, appends it to
 * out with `member` (`"key":value`) inserted as the object's first member. Returns 1 when
 * it did, 0 when the body is not a JSON object, -1 when it is not valid base64. */
static inline int cpx_body_insert_first(const cpx_json *body, const char *member, cpx_buf *out) {
    size_t n;
    unsigned char *raw = cpx_json_bytes(body, &n);
    if (!raw) return -1;
    cpx_doc doc = cpx_json_parse(raw, n);
    int is_object = doc.root && doc.root->kind == CPX_OBJECT;
    if (is_object) cpx_json_insert_first(out, (const char *)raw, n, doc.root, member, strlen(member));
    cpx_json_free(&doc);
    free(raw);
    return is_object;
}

/* ------------------------------------------------------------------ OpenAI chat bodies */

/* The last element of a chat request's "messages" array, or NULL when there is none. */
static inline const cpx_json *cpx_last_message(const cpx_json *body) {
    const cpx_json *messages = cpx_json_member(body, "messages");
    if (!messages || messages->kind != CPX_ARRAY || !messages->child) return NULL;
    const cpx_json *last = messages->child;
    while (last->next) last = last->next;
    return last;
}

/* Appends the last message's text: its string `content`, or the `text` of the content
 * parts of type "text", concatenated. Returns 0 when the body has no messages. */
static inline int cpx_last_message_text(const cpx_json *body, cpx_buf *out) {
    const cpx_json *last = cpx_last_message(body);
    if (!last) return 0;
    const cpx_json *content = cpx_json_member(last, "content");
    if (content && content->kind == CPX_STRING) {
        cpx_buf_append(out, content->str, content->str_len);
    } else if (content && content->kind == CPX_ARRAY) {
        for (const cpx_json *part = content->child; part; part = part->next) {
            const char *type = cpx_json_str(cpx_json_member(part, "type"));
            const cpx_json *text = cpx_json_member(part, "text");
            if (type && !strcmp(type, "text") && text && text->kind == CPX_STRING)
                cpx_buf_append(out, text->str, text->str_len);
        }
    }
    return 1;
}

/* Appends the shared head of completions and chunks: id, object, created 0, model.
 * `created` is 0 so the examples' answers are reproducible byte for byte. */
static inline void cpx_buf_completion_head(cpx_buf *b, const char *id, const char *object, const char *model) {
    cpx_buf_puts(b, "{\"id\":");
    cpx_buf_json_string(b, id, strlen(id));
    cpx_buf_puts(b, ",\"object\":\"");
    cpx_buf_puts(b, object);
    cpx_buf_puts(b, "\",\"created\":0,\"model\":");
    cpx_buf_json_string(b, model ? model : "", model ? strlen(model) : 0);
}

/* Appends an OpenAI chat.completion answering `content`, with a fixed 1+1 token usage. */
static inline void cpx_buf_completion(cpx_buf *b, const char *id, const char *model,
                                      const char *content, size_t content_len) {
    cpx_buf_completion_head(b, id, "chat.completion", model);
    cpx_buf_puts(b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_json_string(b, content, content_len);
    cpx_buf_puts(b, "},\"finish_reason\":\"stop\"}],"
                    "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}");
}

/* Appends a chat.completion.chunk: the whole `content` in one delta, or, with content NULL,
 * the closing chunk (empty delta, finish_reason "stop"). */
static inline void cpx_buf_completion_chunk(cpx_buf *b, const char *id, const char *model,
                                            const char *content, size_t content_len) {
    cpx_buf_completion_head(b, id, "chat.completion.chunk", model);
    if (!content) {
        cpx_buf_puts(b, ",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        return;
    }
    cpx_buf_puts(b, ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":");
    cpx_buf_json_string(b, content, content_len);
    cpx_buf_puts(b, "},\"finish_reason\":null}]}");
}

/* ------------------------------------------------------------------ small utilities */

/* Iterates a comma-separated list (config lists are written `a, b,c`): sets *item and
 * *item_len to the next entry with surrounding blanks trimmed and returns 1, skipping empty
 * entries; returns 0 at the end. *cursor starts at the NUL-terminated list. */
static inline int cpx_list_next(const char **cursor, const char **item, size_t *item_len) {
    const char *p = *cursor;
    while (*p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *start = p;
        p = comma ? comma + 1 : end;
        while (start < end && isspace((unsigned char)*start)) start++;
        while (end > start && isspace((unsigned char)end[-1])) end--;
        if (end > start) {
            *cursor = p;
            *item = start;
            *item_len = (size_t)(end - start);
            return 1;
        }
    }
    *cursor = p;
    return 0;
}

/* 1 when `value` is one of the entries of the comma-separated `list`. */
static inline int cpx_list_contains(const char *list, const char *value) {
    const char *item;
    size_t n, value_len = strlen(value);
    while (cpx_list_next(&list, &item, &n))
        if (n == value_len && !memcmp(item, value, n)) return 1;
    return 0;
}

/* 1 when the n bytes at `haystack` (binary-safe) contain `needle`. */
static inline int cpx_contains(const void *haystack, size_t n, const char *needle) {
    size_t k = strlen(needle);
    const char *h = (const char *)haystack;
    if (k > n) return 0;
    for (size_t i = 0; i + k <= n; i++)
        if (h[i] == needle[0] && !memcmp(h + i, needle, k)) return 1;
    return !k;
}

/* Appends text percent-encoded for a URL query value: everything but the RFC 3986
 * unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX. */
static inline void cpx_buf_query_escape(cpx_buf *b, const char *text, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            cpx_buf_append(b, (const char *)&text[i], 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            cpx_buf_append(b, esc, 3);
        }
    }
}

/* Writes `count` random lowercase hex digits and a NUL into out (count + 1 bytes, count at
 * most 128) from the system's CSPRNG: login states must not be guessable. 0 on failure. */
static inline int cpx_random_hex(char *out, size_t count) {
    unsigned char bytes[64];
    size_t need = (count + 1) / 2, got = 0;
    if (need > sizeof bytes) return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    while (got < need) {
        ssize_t n = read(fd, bytes + got, need - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (got < need) return 0;
    for (size_t i = 0; i < count; i++) out[i] = "0123456789abcdef"[(bytes[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[count] = 0;
    return 1;
}

/* Room for an RFC 3339 UTC timestamp and its NUL. */
#define CPX_RFC3339_SIZE 32

/* Writes `t` as RFC 3339 in UTC ("2006-01-02T15:04:05Z"), the form Go decodes time.Time from. */
static inline void cpx_rfc3339_utc(time_t t, char out[CPX_RFC3339_SIZE]) {
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, CPX_RFC3339_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, CPX_RFC3339_SIZE, "0001-01-01T00:00:00Z");
}

/* Appends one line to the file at `path` (created 0644 if missing) so that lines written
 * concurrently never interleave: the whole line goes out in one write() on an O_APPEND
 * descriptor, which the kernel appends atomically with respect to other writers; the lock
 * makes threads of this process take turns, so even a short write (disk full, signal) is
 * completed before another thread's line starts. Returns 0, or -1 with errno set. */
static inline int cpx_append_line(const char *path, const char *line, size_t n) {
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -1 : 0;
    for (size_t done = 0; rc == 0 && done < n;) {
        ssize_t w = write(fd, line + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = -1;
        else done += (size_t)w;
    }
    if (fd >= 0) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* ------------------------------------------------------------------ config */

/* Appends the unquoted value of a YAML scalar that starts at v (ends at end): "..." with
 * JSON-style escapes, '...' with '' for a quote, or a plain scalar without its trailing
 * " # comment"; ~ and null read as "". The same rules as the Go and Rust helpers. */
static inline void cpx_yaml_scalar(cpx_buf *out, const char *v, const char *end) {
    if (v < end && *v == '"') {
        for (const char *p = v + 1; p < end && *p != '"'; p++) {
            if (*p != '\\' || p + 1 >= end) { cpx_buf_append(out, p, 1); continue; }
            char e = *++p;
            cpx_buf_append(out, e == 'n' ? "\n" : e == 't' ? "\t" : e == 'r' ? "\r" : &e, 1);
        }
        return;
    }
    if (v < end && *v == '\'') {
        for (const char *p = v + 1; p < end; p++) {
            if (*p == '\'' && !(p + 1 < end && p[1] == '\'')) break;
            cpx_buf_append(out, p, 1);
            if (*p == '\'') p++; /* '' is one quote */
        }
        return;
    }
    for (const char *p = v; p < end; p++)
        if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) { end = p; break; }
    while (end > v && isspace((unsigned char)end[-1])) end--;
    if ((end - v == 1 && *v == '~') || (end - v == 4 && !memcmp(v, "null", 4))) return;
    cpx_buf_append(out, v, (size_t)(end - v));
}

/* Appends the value of the top-level line `key: value` of a flat YAML text. Returns 0 when
 * there is no such line. Deliberately not a YAML parser: unindented scalar lines only. */
static inline int cpx_config_scalar(const char *yaml, size_t n, const char *key, cpx_buf *out) {
    size_t key_len = strlen(key);
    for (const char *line = yaml, *end = yaml + n; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        const char *p = line + key_len;
        if (p <= eol && !memcmp(line, key, key_len)) {
            while (p < eol && (*p == ' ' || *p == '\t')) p++;
            if (p < eol && *p == ':') {
                const char *v = p + 1, *v_end = eol;
                while (v_end > v && (v_end[-1] == '\r' || isspace((unsigned char)v_end[-1]))) v_end--;
                while (v < v_end && isspace((unsigned char)*v)) v++;
                cpx_yaml_scalar(out, v, v_end);
                return 1;
            }
        }
        line = eol + 1;
    }
    return 0;
}

/* Copies `buf` into out (out_size > 0), truncating; returns the full length. */
static inline size_t cpx_copy_out(const cpx_buf *buf, char *out, size_t out_size) {
    size_t len = buf->len < out_size - 1 ? buf->len : out_size - 1;
    if (len) memcpy(out, buf->data, len);
    out[len] = 0;
    return buf->len;
}

/* Reads a top-level scalar `key: value` line of the plugin's config YAML (quotes removed)
 * into out. Enough for flat example settings; returns 0 when the key is absent. */
static inline int cpx_config_value(const char *yaml, size_t n, const char *key, char *out, size_t out_size) {
    cpx_buf value = {0};
    int found = cpx_config_scalar(yaml, n, key, &value);
    cpx_copy_out(&value, out, out_size);
    cpx_buf_free(&value);
    return found;
}

/* The plugin's current config YAML. A function-local static so that only examples that
 * use it own one; a library is loaded once per process, so it is per plugin. */
typedef struct {
    pthread_mutex_t lock;
    char *yaml; /* decoded config_yaml, NUL-terminated; NULL before registration */
    size_t len;
} cpx_config_store;

static inline cpx_config_store *cpx_config(void) {
    static cpx_config_store store = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};
    return &store;
}

/* Keeps the config of a plugin.register / plugin.reconfigure request (base64 `config_yaml`,
 * null meaning empty) as the current one, replacing what an earlier call kept, since the
 * host sends the whole config again on every apply. Returns 0, keeping the old config, when
 * config_yaml is not valid base64. */
static inline int cpx_config_load(const cpx_json *request) {
    size_t n;
    char *yaml = (char *)cpx_json_bytes(cpx_json_get(request, "config_yaml"), &n);
    if (!yaml) return 0;
    cpx_config_store *store = cpx_config();
    pthread_mutex_lock(&store->lock);
    char *old = store->yaml;
    store->yaml = yaml;
    store->len = n;
    pthread_mutex_unlock(&store->lock);
    free(old);
    return 1;
}

/* Copies the current value of config `key` into out (truncated to out_size - 1 bytes), or
 * `fallback` when the key is absent or empty. Returns the full length of what was meant to
 * be copied, like snprintf: a result >= out_size means it was truncated. */
static inline size_t cpx_config_get(const char *key, const char *fallback, char *out, size_t out_size) {
    cpx_buf value = {0};
    cpx_config_store *store = cpx_config();
    pthread_mutex_lock(&store->lock);
    if (store->yaml) cpx_config_scalar(store->yaml, store->len, key, &value);
    pthread_mutex_unlock(&store->lock);
    if (!value.len && fallback) cpx_buf_puts(&value, fallback);
    size_t full = cpx_copy_out(&value, out, out_size);
    cpx_buf_free(&value);
    return full;
}

/* 1 when config `key` is a YAML true (true/True/TRUE, yes, on, 1). */
static inline int cpx_config_bool(const char *key) {
    char value[8];
    if (cpx_config_get(key, "", value, sizeof value) >= sizeof value) return 0;
    return !strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on") ||
           !strcmp(value, "1");
}

/* Forgets the config (at shutdown, so nothing stays allocated after unload). */
static inline void cpx_config_clear(void) {
    cpx_config_store *store = cpx_config();
    pthread_mutex_lock(&store->lock);
    free(store->yaml);
    store->yaml = NULL;
    store->len = 0;
    pthread_mutex_unlock(&store->lock);
}

/* ------------------------------------------------------------------ envelopes */

static inline int cpx_reply(cliproxy_buffer *response, cpx_buf *body) {
    if (body->failed) { free(body->data); return 1; }
    response->ptr = body->data;
    response->len = body->len;
    return 0;
}

/* {"ok":true,"result":<result_json>} */
static inline int cpx_reply_ok(cliproxy_buffer *response, const char *result_json, size_t n) {
    cpx_buf b = {0};
    cpx_buf_puts(&b, "{\"ok\":true,\"result\":");
    cpx_buf_append(&b, result_json, n);
    cpx_buf_puts(&b, "}");
    return cpx_reply(response, &b);
}

/* {"ok":true,"result":<result_json>} for a NUL-terminated result. */
static inline int cpx_reply_ok_str(cliproxy_buffer *response, const char *result_json) {
    return cpx_reply_ok(response, result_json, strlen(result_json));
}

/* {"ok":false,"error":{"code":..,"message":..[,"http_status":N]}}; status 0 = unset. */
static inline int cpx_reply_error(cliproxy_buffer *response, const char *code, const char *message,
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

/* The error envelope for a reply that could not be built for lack of memory. */
static inline int cpx_reply_oom(cliproxy_buffer *response) {
    return cpx_reply_error(response, "plugin_error", "out of memory", 500);
}

/* Replies with the result built in `result` and releases it; a result whose building ran
 * out of memory becomes an error envelope instead of a truncated reply. */
static inline int cpx_reply_result(cliproxy_buffer *response, cpx_buf *result) {
    int rc = result->failed ? cpx_reply_oom(response) : cpx_reply_ok(response, result->data, result->len);
    cpx_buf_free(result);
    return rc;
}

/* {"ok":true,"result":{}}: an acknowledgement, or a translator/normalizer declining. */
static inline int cpx_reply_empty(cliproxy_buffer *response) { return cpx_reply_ok(response, "{}", 2); }

/* Appends `line` (a whole JSON line, released here) to the file named by config `key`
 * and acknowledges with {}. With the key unset there is nothing to write: just {}. A failed
 * append is an error envelope, which the host logs. */
static inline int cpx_reply_append_line(cliproxy_buffer *response, const char *key, cpx_buf *line) {
    char path[4096], message[256];
    size_t path_len = cpx_config_get(key, "", path, sizeof path);
    int rc;
    if (line->failed) {
        rc = cpx_reply_oom(response);
    } else if (path_len >= sizeof path) {
        rc = cpx_reply_error(response, "plugin_error", "the configured file path is too long", 500);
    } else if (path_len && cpx_append_line(path, line->data, line->len) != 0) {
        snprintf(message, sizeof message, "cannot append to the configured file (errno %d)", errno);
        rc = cpx_reply_error(response, "plugin_error", message, 500);
    } else {
        rc = cpx_reply_empty(response);
    }
    cpx_buf_free(line);
    return rc;
}

/* {"identifier":id}, the reply of every *.identifier method. */
static inline int cpx_reply_identifier(cliproxy_buffer *response, const char *id) {
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"identifier\":");
    cpx_buf_json_string(&result, id, strlen(id));
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

/* {"Body":"<base64>"}, the PayloadResponse of translators, normalizers and appliers. */
static inline int cpx_reply_body(cliproxy_buffer *response, const void *body, size_t n) {
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"Body\":");
    cpx_buf_base64_string(&result, body, n);
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

/* {"Body":"<base64 of body>"} for a body built in a buffer, which is released. */
static inline int cpx_reply_body_buf(cliproxy_buffer *response, cpx_buf *body) {
    int rc = body->failed ? cpx_reply_oom(response) : cpx_reply_body(response, body->data, body->len);
    cpx_buf_free(body);
    return rc;
}

/* executor.execute reply: `content` as an OpenAI chat completion in the Payload. */
static inline int cpx_reply_completion(cliproxy_buffer *response, const char *id, const char *model,
                                       const char *content, size_t content_len) {
    cpx_buf body = {0}, result = {0};
    cpx_buf_completion(&body, id, model, content, content_len);
    cpx_buf_puts(&result, "{\"Payload\":");
    cpx_buf_base64_string(&result, body.data, body.len);
    cpx_buf_puts(&result, ",\"Headers\":{\"Content-Type\":[\"application/json\"]},\"Metadata\":null}");
    if (body.failed) result.failed = 1;
    cpx_buf_free(&body);
    return cpx_reply_result(response, &result);
}

/* executor.execute_stream reply with inline chunks: `content` in one delta chunk, then the
 * closing chunk. Inline chunks are the whole stream; no host.stream.emit is needed. */
static inline int cpx_reply_completion_chunks(cliproxy_buffer *response, const char *id, const char *model,
                                              const char *content, size_t content_len) {
    cpx_buf first = {0}, last = {0}, result = {0};
    cpx_buf_completion_chunk(&first, id, model, content, content_len);
    cpx_buf_completion_chunk(&last, id, model, NULL, 0);
    cpx_buf_puts(&result, "{\"headers\":{\"Content-Type\":[\"text/event-stream\"]},\"chunks\":[{\"Payload\":");
    cpx_buf_base64_string(&result, first.data, first.len);
    cpx_buf_puts(&result, "},{\"Payload\":");
    cpx_buf_base64_string(&result, last.data, last.len);
    cpx_buf_puts(&result, "}]}");
    if (first.failed || last.failed) result.failed = 1;
    cpx_buf_free(&first);
    cpx_buf_free(&last);
    return cpx_reply_result(response, &result);
}

/* cpx_reply_completion or cpx_reply_completion_chunks: lets one executor function serve
 * both executor.execute and executor.execute_stream. */
typedef int (*cpx_completion_reply)(cliproxy_buffer *response, const char *id, const char *model,
                                    const char *content, size_t content_len);

/* The plugin's free_buffer: every reply above is one malloc'ed block. */
static inline void cpx_free_buffer(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

/* ------------------------------------------------------------------ management */

/* Where the host serves this plugin's resources (/v0/resource/plugins/<plugin-id>), as
 * management.register says; "" until then. A function-local static, like the config. */
typedef struct {
    pthread_mutex_t lock;
    char path[1024];
} cpx_resource_store;

static inline cpx_resource_store *cpx_resources(void) {
    static cpx_resource_store store = {PTHREAD_MUTEX_INITIALIZER, {0}};
    return &store;
}

/* management.register: keeps the request's ResourceBasePath (missing reads as "").
 * Returns 0, keeping the old one, when it is too long to keep. */
static inline int cpx_resource_base_set(const cpx_json *request) {
    const cpx_json *base = cpx_json_get(request, "ResourceBasePath");
    const char *path = cpx_json_str(base);
    cpx_resource_store *store = cpx_resources();
    if (path && base->str_len >= sizeof store->path) return 0;
    pthread_mutex_lock(&store->lock);
    snprintf(store->path, sizeof store->path, "%s", path ? path : "");
    pthread_mutex_unlock(&store->lock);
    return 1;
}

/* 1 when `path` (management.handle's full Path) is <ResourceBasePath><resource>, for a
 * resource registered as `resource` ("/status"). Never before management.register. */
static inline int cpx_is_resource(const char *path, const char *resource) {
    cpx_resource_store *store = cpx_resources();
    pthread_mutex_lock(&store->lock);
    size_t n = strlen(store->path);
    int match = n && path && !strncmp(path, store->path, n) && !strcmp(path + n, resource);
    pthread_mutex_unlock(&store->lock);
    return match;
}

/* The management.handle reply {"StatusCode":N,"Headers":{"Content-Type":[content_type]},
 * "Body":<base64 of body>}. */
static inline int cpx_reply_http(cliproxy_buffer *response, int status, const char *content_type,
                                 const void *body, size_t n) {
    cpx_buf result = {0};
    cpx_buf_printf(&result, "{\"StatusCode\":%lld,\"Headers\":{\"Content-Type\":[", status);
    cpx_buf_json_string(&result, content_type, strlen(content_type));
    cpx_buf_puts(&result, "]},\"Body\":");
    cpx_buf_base64_string(&result, body, n);
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

/* cpx_reply_http for a body built in a buffer, which is released; a body whose building
 * ran out of memory becomes an error envelope. */
static inline int cpx_reply_http_buf(cliproxy_buffer *response, int status, const char *content_type,
                                     cpx_buf *body) {
    int rc = body->failed ? cpx_reply_oom(response)
                          : cpx_reply_http(response, status, content_type, body->data, body->len);
    cpx_buf_free(body);
    return rc;
}

/* The management.handle reply for a path the plugin does not serve: 404 {"error":"not found"}. */
static inline int cpx_reply_not_found(cliproxy_buffer *response) {
    static const char body[] = "{\"error\":\"not found\"}";
    return cpx_reply_http(response, 404, "application/json", body, sizeof body - 1);
}

/* ------------------------------------------------------------------ host calls */

/* The host table from cliproxy_plugin_init (NULL before it and after shutdown). The host
 * keeps it valid, at a fixed address, until the plugin's shutdown has returned, so any
 * thread may use it until then; the pointer itself is atomic. */
static inline _Atomic(const cliproxy_host_api *) *cpx_host_slot(void) {
    static _Atomic(const cliproxy_host_api *) slot; /* zero-initialised: NULL */
    return &slot;
}

/* The outcome of one host callback (cpx_host_call). Release it with cpx_host_reply_free. */
typedef struct {
    int ok;                 /* 1 when the host answered {"ok":true,...} */
    const cpx_json *result; /* when ok: the envelope's "result" (NULL when it sent none) */
    const char *error;      /* when not ok: the envelope's error.message, or why there is no
                             * usable envelope (no host, return code, not JSON) */
    /* private */
    const cliproxy_host_api *host; /* whose free_buffer releases `buffer` */
    cliproxy_buffer buffer;        /* the host's reply; `result` and `error` point into its tree */
    cpx_doc doc;
    char why[192];
} cpx_host_reply;

/* Marks the reply failed with the text "host call <method><what>". */
static inline void cpx_host_reply_fail(cpx_host_reply *reply, const char *method, const char *what) {
    snprintf(reply->why, sizeof reply->why, "host call %s%s", method, what);
    reply->ok = 0;
    reply->error = reply->why;
}

/* Calls the host callback `method` (a CLIPROXY_HOST_* name) with a JSON request and parses
 * its envelope into *reply. Returns reply->ok. Safe from any thread, also re-entrantly from
 * inside the plugin's `call`, until shutdown has returned.
 *
 * Ownership: `request` stays the caller's (the host copies it). The host's reply buffer
 * belongs to *reply until cpx_host_reply_free hands it back to the host's free_buffer, as
 * the ABI requires; call cpx_host_reply_free whatever the outcome. */
static inline int cpx_host_call(const char *method, const void *request, size_t request_len,
                                cpx_host_reply *reply) {
    memset(reply, 0, sizeof *reply);
    const cliproxy_host_api *host = atomic_load(cpx_host_slot());
    if (!host || !host->call || !host->free_buffer) {
        cpx_host_reply_fail(reply, method, ": no host table (plugin not initialised)");
        return 0;
    }
    int rc = host->call(host->host_ctx, method, (const uint8_t *)request, request_len, &reply->buffer);
    if (reply->buffer.ptr) reply->host = host;
    if (rc != 0) {
        char what[32];
        snprintf(what, sizeof what, " returned %d", rc);
        cpx_host_reply_fail(reply, method, what);
        return 0;
    }
    if (!reply->buffer.ptr) {
        cpx_host_reply_fail(reply, method, " returned no response");
        return 0;
    }
    reply->doc = cpx_json_parse(reply->buffer.ptr, reply->buffer.len);
    const cpx_json *root = reply->doc.root;
    if (!root || root->kind != CPX_OBJECT) {
        cpx_host_reply_fail(reply, method, ": the reply is not a JSON envelope");
    } else if (cpx_json_bool(cpx_json_get(root, "ok"))) {
        reply->ok = 1;
        reply->result = cpx_json_get(root, "result");
    } else {
        const char *message = cpx_json_str(cpx_json_get(cpx_json_get(root, "error"), "message"));
        if (message && *message) reply->error = message;
        else cpx_host_reply_fail(reply, method, " failed");
    }
    return reply->ok;
}

/* cpx_host_call with a request built in a buffer, which is released; a request whose
 * building ran out of memory is not sent and fails the call. */
static inline int cpx_host_call_buf(const char *method, cpx_buf *request, cpx_host_reply *reply) {
    int ok;
    if (request->failed) {
        memset(reply, 0, sizeof *reply);
        cpx_host_reply_fail(reply, method, ": out of memory building the request");
        ok = 0;
    } else {
        ok = cpx_host_call(method, request->data, request->len, reply);
    }
    cpx_buf_free(request);
    return ok;
}

/* Releases a reply: its parsed tree, and the host's buffer through the host's free_buffer. */
static inline void cpx_host_reply_free(cpx_host_reply *reply) {
    cpx_json_free(&reply->doc);
    if (reply->host && reply->buffer.ptr) reply->host->free_buffer(reply->buffer.ptr, reply->buffer.len);
    memset(reply, 0, sizeof *reply);
}

/* ------------------------------------------------------------------ registration */

/* One entry of metadata.ConfigFields, as a JSON string literal built at compile time. */
#define CPX_CONFIG_FIELD(name, type, description) \
    "{\"Name\":\"" name "\",\"Type\":\"" type "\",\"EnumValues\":null,\"Description\":\"" description "\"}"

/* The plugin.register / plugin.reconfigure result: schema_version 1 (what the C examples
 * speak), the examples' common metadata with `name`, `config_fields` (a JSON array, or
 * "null") and `capabilities` (a JSON object of the registration flags). */
static inline int cpx_reply_registration(cliproxy_buffer *response, const char *name,
                                         const char *config_fields, const char *capabilities) {
    cpx_buf result = {0};
    cpx_buf_puts(&result, "{\"schema_version\":1,\"metadata\":{\"Name\":");
    cpx_buf_json_string(&result, name, strlen(name));
    cpx_buf_puts(&result, ",\"Version\":\"0.1.0\",\"Author\":\"cliproxy examples\","
                          "\"GitHubRepository\":\"https://github.com/cliproxy/cliproxy\",\"Logo\":\"\","
                          "\"ConfigFields\":");
    cpx_buf_puts(&result, config_fields);
    cpx_buf_puts(&result, "},\"capabilities\":");
    cpx_buf_puts(&result, capabilities);
    cpx_buf_puts(&result, "}");
    return cpx_reply_result(response, &result);
}

/* Handles plugin.register / plugin.reconfigure for an example whose capabilities do not
 * depend on its config: keep the new config, reply with the registration. */
static inline int cpx_register(const cpx_json *request, cliproxy_buffer *response, const char *name,
                               const char *config_fields, const char *capabilities) {
    if (!cpx_config_load(request))
        return cpx_reply_error(response, "invalid_request", "config_yaml is not valid base64", 400);
    return cpx_reply_registration(response, name, config_fields, capabilities);
}

/* ------------------------------------------------------------------ plugin */

/* A method handler: reads the parsed request, writes exactly one envelope. */
typedef int (*cpx_handler)(const cpx_json *request, cliproxy_buffer *response);

typedef struct {
    const char *method; /* a CLIPROXY_METHOD_* name */
    cpx_handler handle;
} cpx_method;

/* The plugin's `call`: finds the handler of `method`, parses the request and runs it.
 * Unknown methods get the "unknown_method" error the header asks for. */
static inline int cpx_dispatch(const cpx_method *methods, size_t count, const char *method,
                               const uint8_t *request, size_t request_len, cliproxy_buffer *response) {
    if (!method || !response) return 1;
    const cpx_method *found = NULL;
    for (size_t i = 0; i < count && !found; i++)
        if (!strcmp(methods[i].method, method)) found = &methods[i];
    if (!found) {
        cpx_buf message = {0};
        cpx_buf_puts(&message, "unknown method ");
        cpx_buf_puts(&message, method);
        cpx_buf_append(&message, "", 1);
        int rc = cpx_reply_error(response, "unknown_method", message.failed ? method : message.data, 0);
        cpx_buf_free(&message);
        return rc;
    }
    static const uint8_t no_request[1] = {0}; /* a NULL request is an empty one */
    cpx_doc doc = request ? cpx_json_parse(request, request_len) : cpx_json_parse(no_request, 0);
    int rc = doc.root && doc.root->kind == CPX_OBJECT
                 ? found->handle(doc.root, response)
                 : cpx_reply_error(response, "invalid_request", "request is not a JSON object", 400);
    cpx_json_free(&doc);
    return rc;
}

/* The plugin's shutdown: releases what the helper keeps (the config) and forgets the host
 * table, which the host invalidates once this returns. */
static inline void cpx_shutdown(void) {
    cpx_config_clear();
    atomic_store(cpx_host_slot(), NULL);
}

/* Fills the plugin table; used by CPX_PLUGIN's cliproxy_plugin_init. */
static inline int cpx_plugin_setup(const cliproxy_host_api *host, cliproxy_plugin_api *plugin,
                                   cliproxy_plugin_call_fn call) {
    if (!plugin) return 1;
    atomic_store(cpx_host_slot(), host); /* for cpx_host_call */
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = call;
    plugin->free_buffer = cpx_free_buffer;
    plugin->shutdown = cpx_shutdown;
    return 0;
}

/* Defines the plugin's `call` over the method table METHODS (an array of cpx_method) and
 * exports cliproxy_plugin_init. Put it once, at the end of the example. */
#define CPX_PLUGIN(METHODS)                                                                      \
    static int cpx_plugin_call(const char *method, const uint8_t *request, size_t request_len, \
                               cliproxy_buffer *response) {                                      \
        return cpx_dispatch(METHODS, sizeof(METHODS) / sizeof((METHODS)[0]), method, request,    \
                            request_len, response);                                              \
    }                                                                                            \
    CLIPROXY_EXPORT int cliproxy_plugin_init(const cliproxy_host_api *host, cliproxy_plugin_api *plugin) { \
        return cpx_plugin_setup(host, plugin, cpx_plugin_call);                                  \
    }

#endif /* CLIPROXY_EXAMPLE_H */

// The C side of the plugin table. The entry point is written in C rather than as a Go
// //export so that the compiler checks it against the normative prototype in
// cliproxy_plugin.h (cgo cannot express its const qualifiers). The trampolines are static:
// the only global symbol this file adds is cliproxy_plugin_init.
#include <stdlib.h>
#include "cliproxy_plugin.h"
#include "_cgo_export.h" // prototypes of the Go exports in abi.go

static int cliproxy_go_call(const char *method, const uint8_t *request, size_t request_len,
                            cliproxy_buffer *response) {
    // The Go export takes non-const pointers; it never writes through them.
    return cliproxyGoCall((char *)method, (void *)request, request_len, response);
}

// Responses are allocated with malloc (C.CBytes), so they are released here with free
// without a round trip into the Go runtime.
static void cliproxy_go_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

static void cliproxy_go_shutdown(void) {
    cliproxyGoShutdown();
}

int cliproxy_plugin_init(const cliproxy_host_api *host, cliproxy_plugin_api *plugin) {
    if (plugin == NULL) {
        return 1;
    }
    plugin->abi_version = CLIPROXY_ABI_VERSION;
    plugin->call = cliproxy_go_call;
    plugin->free_buffer = cliproxy_go_free;
    plugin->shutdown = cliproxy_go_shutdown;
    // Cast away const only to pass the pointer through Go; the table is never written.
    return cliproxyGoInit((cliproxy_host_api *)host);
}

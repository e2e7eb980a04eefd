/*
 * rpc_harness: the C floor for one plugin RPC round trip.
 *
 * dlopens a plugin, initialises it with a minimal host table, then times `calls` calls of
 * one method with a fixed request read from a file (the exact bytes the Python host
 * sends), handing every response back to the plugin's free_buffer as the ABI requires.
 * This is what a host written in C pays per call; bench/rpc_python.py measures the same
 * calls through the Python loader, and the ratio of the two is the loader's overhead.
 *
 * Usage: rpc_harness PLUGIN REQUEST_FILE METHOD CALLS REPEATS
 * Prints one JSON object: {"min_ns":..,"median_ns":..,"calls":..,"repeats":..,
 * "response_len":..}, where the ns figures are per call (min and median over repeats).
 * Build: cc -O2 -I abi/include -o rpc_harness bench/harness/rpc_harness.c -ldl
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cliproxy_plugin.h"

static int host_ctx_value = 1;

/* The plugin may call back (the echo executor does not); answer every method with the
 * ABI's "unsupported" failure envelope, as a real host would for a method it lacks. */
static int host_call(void *host_ctx, const char *method, const uint8_t *request,
                     size_t request_len, cliproxy_buffer *response) {
    static const char failure[] =
        "{\"ok\":false,\"error\":{\"code\":\"host_call_failed\",\"message\":\"unsupported\"}}";
    (void)request;
    (void)request_len;
    if (!host_ctx || !method) return 1;
    if (!response) return 0;
    response->ptr = NULL;
    response->len = 0;
    void *copy = malloc(sizeof failure - 1);
    if (!copy) return 1;
    memcpy(copy, failure, sizeof failure - 1);
    response->ptr = copy;
    response->len = sizeof failure - 1;
    return 0;
}

static void host_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    unsigned char *data = malloc((size_t)size + 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) { free(data); data = NULL; }
    fclose(f);
    *len = (size_t)size;
    return data;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One call, response checked and freed; returns the response length or -1 on failure. */
static long one_call(const cliproxy_plugin_api *api, const char *method,
                     const unsigned char *request, size_t request_len) {
    cliproxy_buffer response = {0};
    int rc = api->call(method, request, request_len, &response);
    long len = (long)response.len;
    int ok = rc == 0 && response.ptr && response.len > 10 &&
             memcmp(response.ptr, "{\"ok\":true", 10) == 0;
    if (response.ptr) api->free_buffer(response.ptr, response.len);
    return ok ? len : -1;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s PLUGIN REQUEST_FILE METHOD CALLS REPEATS\n", argv[0]);
        return 2;
    }
    const char *method = argv[3];
    long calls = atol(argv[4]), repeats = atol(argv[5]);
    if (calls <= 0 || repeats <= 0) {
        fprintf(stderr, "CALLS and REPEATS must be positive\n");
        return 2;
    }
    size_t request_len;
    unsigned char *request = read_file(argv[2], &request_len);
    if (!request) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    cliproxy_plugin_init_fn init = (cliproxy_plugin_init_fn)dlsym(handle, "cliproxy_plugin_init");
    if (!init) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    static cliproxy_host_api host = {CLIPROXY_ABI_VERSION, &host_ctx_value, host_call, host_free};
    cliproxy_plugin_api api;
    memset(&api, 0, sizeof api);
    if (init(&host, &api) != 0 || api.abi_version != CLIPROXY_ABI_VERSION || !api.call ||
        !api.free_buffer) {
        fprintf(stderr, "plugin init failed\n");
        return 1;
    }

    long response_len = 0;
    for (long i = 0; i < calls / 10 + 1; i++) { /* warm caches and the allocator */
        response_len = one_call(&api, method, request, request_len);
        if (response_len < 0) {
            fprintf(stderr, "%s did not answer ok:true\n", method);
            return 1;
        }
    }
    double *per_call = calloc((size_t)repeats, sizeof *per_call);
    if (!per_call) return 1;
    for (long r = 0; r < repeats; r++) {
        long failures = 0;
        double start = now_ns();
        for (long i = 0; i < calls; i++) failures += one_call(&api, method, request, request_len) < 0;
        per_call[r] = (now_ns() - start) / (double)calls;
        if (failures) {
            fprintf(stderr, "%ld calls failed\n", failures);
            return 1;
        }
    }
    qsort(per_call, (size_t)repeats, sizeof *per_call, compare_doubles);
    printf("{\"min_ns\":%.1f,\"median_ns\":%.1f,\"calls\":%ld,\"repeats\":%ld,\"response_len\":%ld}\n",
           per_call[0], per_call[repeats / 2], calls, repeats, response_len);
    if (api.shutdown) api.shutdown();
    free(per_call);
    free(request);
    return 0;
}

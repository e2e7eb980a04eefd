/*
 * host.h: the host-internal C interface of proxy.native._cliproxy (not part of the plugin
 * ABI). host.c implements it; build.py feeds the block between the markers to cffi, so
 * this file is the one description of the shims for both C and Python.
 */
#ifndef CLIPROXY_HOST_H
#define CLIPROXY_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "cliproxy_plugin.h"

/* BEGIN CFFI DECLARATIONS */

/* Loading: dlopen(RTLD_NOW | RTLD_LOCAL) / dlsym / dlerror, LoadLibraryW on Windows. */
void *cpx_dlopen(const char *path);
void *cpx_dlsym(void *handle, const char *name);
const char *cpx_dlerror(void);

/* The host table a plugin receives; host_ctx points at `plugin_key`. Never freed. */
cliproxy_host_api *cpx_new_host_api(uintptr_t plugin_key);

/* Calls through a plugin's table (compiled calls; cffi releases the GIL around them). */
int cpx_plugin_init(void *init_fn, const cliproxy_host_api *host, cliproxy_plugin_api *plugin);
int cpx_plugin_call(const cliproxy_plugin_api *api, const char *method,
                    const char *request, size_t request_len, cliproxy_buffer *response);
void cpx_plugin_free(const cliproxy_plugin_api *api, void *ptr, size_t len);
void cpx_plugin_shutdown(const cliproxy_plugin_api *api);

/* One plugin call for the worker pool. Python allocates it and keeps it, and the memory
 * `method` and `request` point into, alive until the job is collected; the worker only
 * writes `response` and `rc`; `next` belongs to the pool. */
typedef struct cpx_job {
    const cliproxy_plugin_api *api;
    const char *method;
    const char *request;
    size_t request_len;
    cliproxy_buffer response;
    int rc;
    struct cpx_job *next;
} cpx_job;

/* C threads that run jobs without the GIL; a pipe becomes readable when jobs finish.
 * cpx_pool_new returns NULL where there is no pool (Windows) or on failure. Submitted jobs
 * wait for cpx_pool_wake, which wakes a worker only if none is on its way. */
typedef struct cpx_pool cpx_pool;
cpx_pool *cpx_pool_new(int threads);
int cpx_pool_fd(cpx_pool *pool);
int cpx_pool_submit(cpx_pool *pool, cpx_job *job);
void cpx_pool_wake(cpx_pool *pool);
size_t cpx_pool_collect(cpx_pool *pool, cpx_job **out, size_t max);
void cpx_pool_stop(cpx_pool *pool);

/* END CFFI DECLARATIONS */

#endif /* CLIPROXY_HOST_H */

/*
 * The C half of the plugin host, compiled into proxy.native._cliproxy by build.py.
 *
 *   - dlopen/dlsym shims (LoadLibrary on Windows);
 *   - the host table every plugin receives, with the callback trampoline that rejects NULL
 *     arguments and zeroes the response before any Python runs;
 *   - direct calls through a plugin's function table (compiled calls that release the GIL);
 *   - a worker pool that makes plugin calls on C threads and reports completions through
 *     a pipe the event loop watches (POSIX only; see pool.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* ------------------------------------------------------------------ loading */

#ifdef _WIN32
#include <windows.h>
static __declspec(thread) char cpx_error_text[512];

void *cpx_dlopen(const char *path) {
    wchar_t wide[32768];
    if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, 32768)) return NULL;
    return (void *)LoadLibraryW(wide);
}
void *cpx_dlsym(void *handle, const char *name) {
    return (void *)GetProcAddress((HMODULE)handle, name);
}
const char *cpx_dlerror(void) {
    DWORD code = GetLastError();
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                        0, cpx_error_text, sizeof cpx_error_text, NULL))
        snprintf(cpx_error_text, sizeof cpx_error_text, "error %lu", (unsigned long)code);
    return cpx_error_text;
}
#else
#include <dlfcn.h>
void *cpx_dlopen(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
void *cpx_dlsym(void *handle, const char *name) { dlerror(); return dlsym(handle, name); }
const char *cpx_dlerror(void) { const char *e = dlerror(); return e ? e : "unknown error"; }
#endif

/* ------------------------------------------------------------------ host table */

static int cpx_py_host_call(uintptr_t plugin_key, const char *method, const uint8_t *request,
                            size_t request_len, cliproxy_buffer *response);

/* The trampoline every plugin receives as host->call. */
static int cpx_host_call(void *host_ctx, const char *method, const uint8_t *request,
                         size_t request_len, cliproxy_buffer *response) {
    if (response) { response->ptr = NULL; response->len = 0; }
    if (!host_ctx || !method) return 1;
    return cpx_py_host_call(*(const uintptr_t *)host_ctx, method, request, request_len, response);
}

/* Host callback replies are malloc'ed by the Python side, so this is plain free(). */
static void cpx_host_free(void *ptr, size_t len) { (void)len; free(ptr); }

/* Allocated once per load and intentionally never freed: a plugin thread that calls back
 * after shutdown must find readable memory (its key is then unknown and it gets 1). */
cliproxy_host_api *cpx_new_host_api(uintptr_t plugin_key) {
    cliproxy_host_api *api = calloc(1, sizeof *api);
    uintptr_t *ctx = malloc(sizeof *ctx);
    if (!api || !ctx) { free(api); free(ctx); return NULL; }
    *ctx = plugin_key;
    api->abi_version = CLIPROXY_ABI_VERSION;
    api->host_ctx = ctx;
    api->call = cpx_host_call;
    api->free_buffer = cpx_host_free;
    return api;
}

/* ------------------------------------------------------------------ direct calls */

int cpx_plugin_init(void *init_fn, const cliproxy_host_api *host, cliproxy_plugin_api *plugin) {
    return ((cliproxy_plugin_init_fn)init_fn)(host, plugin);
}
int cpx_plugin_call(const cliproxy_plugin_api *api, const char *method, const char *request,
                    size_t request_len, cliproxy_buffer *response) {
    return api->call(method, (const uint8_t *)request, request_len, response);
}
void cpx_plugin_free(const cliproxy_plugin_api *api, void *ptr, size_t len) {
    api->free_buffer(ptr, len);
}
void cpx_plugin_shutdown(const cliproxy_plugin_api *api) {
    if (api->shutdown) api->shutdown();
}

/* ------------------------------------------------------------------ worker pool */

#ifdef _WIN32
struct cpx_pool { int unused; };
cpx_pool *cpx_pool_new(int threads) { (void)threads; return NULL; }
int cpx_pool_fd(cpx_pool *pool) { (void)pool; return -1; }
int cpx_pool_submit(cpx_pool *pool, cpx_job *job) { (void)pool; (void)job; return 1; }
void cpx_pool_wake(cpx_pool *pool) { (void)pool; }
size_t cpx_pool_collect(cpx_pool *pool, cpx_job **out, size_t max) {
    (void)pool; (void)out; (void)max; return 0;
}
void cpx_pool_stop(cpx_pool *pool) { (void)pool; }
#else
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

/*
 * Waking a sleeping thread is a futex call, and on a virtual machine the waker pays for
 * the cross-CPU interrupt: 15-50 us measured on the benchmark machine, more than a fast
 * plugin call. So the event loop does as little of it as it can: it queues the jobs of one
 * loop iteration (cpx_pool_submit) and then wakes one worker, and only when no worker is
 * on its way (cpx_pool_wake): `free` counts workers awake and not in a call, `waking` the
 * ones signalled and not yet up. A worker that takes a job and sees more queued than
 * workers on their way wakes the next one before making its call, so a batch of slow
 * calls still runs on as many threads as it needs, the wakeups paid on the workers' side.
 * Finished jobs go on a separate list under their own lock.
 */
struct cpx_pool {
    pthread_mutex_t lock;             /* queue, counters, stopping */
    pthread_cond_t work;
    cpx_job *queue_head, *queue_tail; /* submitted, not started */
    int queued, free, waking, sleeping;
    int stopping;
    pthread_mutex_t done_lock;
    cpx_job *done_head, *done_tail;   /* finished, not collected */
    int pipe_read, pipe_write;        /* one byte whenever `done` turns non-empty */
};

static void cpx_pool_signal(cpx_pool *pool) {
    char byte = 1;
    /* Non-blocking: a full pipe already holds a pending wakeup. */
    ssize_t ignored = write(pool->pipe_write, &byte, 1);
    (void)ignored;
}

/* Under `lock`: whether to wake one more worker. The event loop wakes one only when no
 * worker at all is on its way; a worker about to make a call wakes one more when queued
 * jobs outnumber the workers on their way. */
static int cpx_pool_needs_worker(cpx_pool *pool, int from_loop) {
    int coming = pool->free + pool->waking;
    int short_of_workers = from_loop ? coming == 0 : pool->queued > coming;
    if (pool->queued > 0 && short_of_workers && pool->sleeping > pool->waking) {
        pool->waking++;
        return 1;
    }
    return 0;
}

static void cpx_pool_finish(cpx_pool *pool, cpx_job *job) {
    job->next = NULL;
    pthread_mutex_lock(&pool->done_lock);
    int was_empty = pool->done_head == NULL;
    if (was_empty) pool->done_head = job;
    else pool->done_tail->next = job;
    pool->done_tail = job;
    pthread_mutex_unlock(&pool->done_lock);
    if (was_empty) cpx_pool_signal(pool);
}

static void *cpx_pool_worker(void *arg) {
    cpx_pool *pool = arg;
    pthread_mutex_lock(&pool->lock);
    pool->free++;
    for (;;) {
        while (!pool->queue_head && !pool->stopping) {
            pool->free--;
            pool->sleeping++;
            pthread_cond_wait(&pool->work, &pool->lock);
            pool->sleeping--;
            if (pool->waking) pool->waking--;
            pool->free++;
        }
        if (!pool->queue_head) break; /* stopping, and nothing left to run */
        cpx_job *job = pool->queue_head;
        pool->queue_head = job->next;
        if (!pool->queue_head) pool->queue_tail = NULL;
        pool->queued--;
        pool->free--;
        int wake_next = cpx_pool_needs_worker(pool, 0);
        pthread_mutex_unlock(&pool->lock);
        if (wake_next) pthread_cond_signal(&pool->work);

        job->response.ptr = NULL;
        job->response.len = 0;
        job->rc = job->api->call(job->method, (const uint8_t *)job->request, job->request_len,
                                 &job->response);
        cpx_pool_finish(pool, job);

        pthread_mutex_lock(&pool->lock);
        pool->free++;
    }
    pool->free--;
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static int cpx_set_flags(int fd) {
    return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

/* Starts `threads` detached workers. Never freed: a worker may be stuck in a plugin call
 * forever, and detached threads do not keep the process alive. */
cpx_pool *cpx_pool_new(int threads) {
    cpx_pool *pool = calloc(1, sizeof *pool);
    int fds[2];
    if (!pool || pipe(fds) != 0) { free(pool); return NULL; }
    pool->pipe_read = fds[0];
    pool->pipe_write = fds[1];
    if (!cpx_set_flags(fds[0]) || !cpx_set_flags(fds[1]) ||
        pthread_mutex_init(&pool->lock, NULL) != 0 ||
        pthread_mutex_init(&pool->done_lock, NULL) != 0 ||
        pthread_cond_init(&pool->work, NULL) != 0) {
        close(fds[0]); close(fds[1]); free(pool);
        return NULL;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int started = 0;
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, &attr, cpx_pool_worker, pool) == 0) started++;
    }
    pthread_attr_destroy(&attr);
    if (!started) {
        close(fds[0]); close(fds[1]); free(pool);
        return NULL;
    }
    return pool;
}

int cpx_pool_fd(cpx_pool *pool) { return pool->pipe_read; }

/* Queues a job without waking anyone (see cpx_pool_wake). Returns 1 when the pool is
 * stopping (the job was not queued). */
int cpx_pool_submit(cpx_pool *pool, cpx_job *job) {
    job->next = NULL;
    pthread_mutex_lock(&pool->lock);
    int refused = pool->stopping;
    if (!refused) {
        if (pool->queue_tail) pool->queue_tail->next = job;
        else pool->queue_head = job;
        pool->queue_tail = job;
        pool->queued++;
    }
    pthread_mutex_unlock(&pool->lock);
    return refused;
}

/* Wakes one worker if the queued jobs have nobody coming for them. */
void cpx_pool_wake(cpx_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    int wake = cpx_pool_needs_worker(pool, 1);
    pthread_mutex_unlock(&pool->lock);
    if (wake) pthread_cond_signal(&pool->work);
}

/* Takes up to `max` finished jobs. The pipe is emptied first, so a job finishing after
 * that leaves a byte behind and the next wakeup finds it; if more than `max` are waiting,
 * a byte is put back for the rest. */
size_t cpx_pool_collect(cpx_pool *pool, cpx_job **out, size_t max) {
    char sink[256];
    while (read(pool->pipe_read, sink, sizeof sink) == (ssize_t)sizeof sink) {}
    size_t n = 0;
    pthread_mutex_lock(&pool->done_lock);
    while (pool->done_head && n < max) {
        out[n++] = pool->done_head;
        pool->done_head = pool->done_head->next;
    }
    if (!pool->done_head) pool->done_tail = NULL;
    int more = pool->done_head != NULL;
    pthread_mutex_unlock(&pool->done_lock);
    if (more) cpx_pool_signal(pool);
    return n;
}

/* Idle workers exit; busy ones exit after their current call. Queued jobs still run. */
void cpx_pool_stop(cpx_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
}
#endif

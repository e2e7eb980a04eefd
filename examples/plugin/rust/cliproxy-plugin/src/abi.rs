//! `#[repr(C)]` mirrors of `abi/include/cliproxy_plugin.h` (ABI version 1).
//!
//! The header is normative; this module only restates it in Rust. Field order, types and
//! nullability follow the header exactly, and the unit tests at the bottom pin the sizes
//! and offsets (and check the method-name constants against the header text itself), so
//! drift between the two is caught by `cargo test`.
//!
//! Nullable C function pointers are `Option<extern "C" fn ...>`: Rust guarantees that
//! `Option<fn>` has the size of a pointer and that `None` is NULL, so the structs below are
//! layout-identical to the C ones. The `method` and `request` parameters are declared
//! `const` in the header; Rust raw pointers carry no ABI difference for that.

use std::ffi::{c_char, c_int, c_void};

/// `CLIPROXY_ABI_VERSION`: the one ABI version. A plugin stores exactly this value in
/// [`PluginApi::abi_version`]; there is no negotiation.
pub const CLIPROXY_ABI_VERSION: u32 = 1;

/// `CLIPROXY_SCHEMA_VERSION`: the highest RPC schema version the host speaks (it sends it
/// in `plugin.register`). A plugin answers 1, 2 or 3.
pub const CLIPROXY_SCHEMA_VERSION: u32 = 3;

/// `cliproxy_buffer`: a byte range handed across the boundary. The bytes are JSON and are
/// never NUL-terminated; `len` is the exact byte count. Who frees `ptr`, and with which
/// function, depends on who produced it (see the function-pointer types below).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Buffer {
    pub ptr: *mut c_void,
    pub len: usize,
}

/// `cliproxy_host_call_fn`: plugin -> host call.
///
/// `method` (NUL-terminated) and `request` (`request_len` bytes, may be NULL when 0) stay
/// owned by the plugin; the host copies them. On return 0, `*response` points at a
/// host-allocated envelope that the plugin must release with the host's `free_buffer`,
/// never with its own allocator. Return 1 means no buffer (NULL ctx/method, dead plugin,
/// allocation failure). Thread-safe and re-entrant.
pub type HostCallFn = unsafe extern "C" fn(
    host_ctx: *mut c_void,
    method: *const c_char,
    request: *const u8,
    request_len: usize,
    response: *mut Buffer,
) -> c_int;

/// `cliproxy_host_free_fn`: releases a buffer produced by [`HostCallFn`].
pub type HostFreeFn = unsafe extern "C" fn(ptr: *mut c_void, len: usize);

/// `cliproxy_host_api`: filled by the host, read by the plugin. The host keeps it (and the
/// memory `host_ctx` points at) valid at a fixed address until the plugin's `shutdown` has
/// returned.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct HostApi {
    pub abi_version: u32,
    pub host_ctx: *mut c_void,
    pub call: Option<HostCallFn>,
    pub free_buffer: Option<HostFreeFn>,
}

/// `cliproxy_plugin_call_fn`: host -> plugin call.
///
/// `method` and `request` are owned by the host and valid only until the call returns.
/// `response` is a zeroed host-owned buffer; the plugin points `ptr` at memory it allocated
/// and sets `len`. The host copies it, then calls the plugin's `free_buffer(ptr, len)`
/// exactly once, with `len` exactly as set, whenever `ptr` is non-NULL.
pub type PluginCallFn = unsafe extern "C" fn(
    method: *const c_char,
    request: *const u8,
    request_len: usize,
    response: *mut Buffer,
) -> c_int;

/// `cliproxy_plugin_free_fn`: releases a buffer the plugin returned from `call`.
pub type PluginFreeFn = unsafe extern "C" fn(ptr: *mut c_void, len: usize);

/// `cliproxy_plugin_shutdown_fn`: optional teardown, called at most once after every
/// in-flight `call` has returned. `host->call` still works while it runs.
pub type PluginShutdownFn = unsafe extern "C" fn();

/// `cliproxy_plugin_api`: zeroed by the host, filled by the plugin inside
/// `cliproxy_plugin_init`. `call` and `free_buffer` are required, `shutdown` may stay NULL.
/// The host copies the table after init returns.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PluginApi {
    pub abi_version: u32,
    pub call: Option<PluginCallFn>,
    pub free_buffer: Option<PluginFreeFn>,
    pub shutdown: Option<PluginShutdownFn>,
}

/// `cliproxy_plugin_init_fn`: the type of the one exported symbol, `cliproxy_plugin_init`.
/// Return 0 on success; anything else fails the load.
pub type PluginInitFn = unsafe extern "C" fn(host: *const HostApi, plugin: *mut PluginApi) -> c_int;

/// Defines the string constants and a `(C name, value)` table used by the tests to check
/// the header and this file against each other in both directions.
macro_rules! method_names {
    ($table:ident: $($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: &str = $value;)*
        /// Every constant of this group as `(C macro name, value)`, in header order.
        pub const $table: &[(&str, &str)] = &[$((stringify!($name), $value)),*];
    };
}

method_names! {
    ALL_METHODS:
    // Lifecycle. `plugin.shutdown` is never sent (teardown is the C `shutdown` pointer);
    // the name exists for compatibility only.
    CLIPROXY_METHOD_PLUGIN_REGISTER = "plugin.register";
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE = "plugin.reconfigure";
    CLIPROXY_METHOD_PLUGIN_SHUTDOWN = "plugin.shutdown";
    // model_registrar / model_provider
    CLIPROXY_METHOD_MODEL_REGISTER = "model.register";
    CLIPROXY_METHOD_MODEL_STATIC = "model.static";
    CLIPROXY_METHOD_MODEL_FOR_AUTH = "model.for_auth";
    // auth_provider
    CLIPROXY_METHOD_AUTH_IDENTIFIER = "auth.identifier";
    CLIPROXY_METHOD_AUTH_PARSE = "auth.parse";
    CLIPROXY_METHOD_AUTH_LOGIN_START = "auth.login.start";
    CLIPROXY_METHOD_AUTH_LOGIN_POLL = "auth.login.poll";
    CLIPROXY_METHOD_AUTH_REFRESH = "auth.refresh";
    // frontend_auth_provider
    CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER = "frontend_auth.identifier";
    CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE = "frontend_auth.authenticate";
    // scheduler, model_router
    CLIPROXY_METHOD_SCHEDULER_PICK = "scheduler.pick";
    CLIPROXY_METHOD_MODEL_ROUTE = "model.route";
    // executor
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER = "executor.identifier";
    CLIPROXY_METHOD_EXECUTOR_EXECUTE = "executor.execute";
    CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM = "executor.execute_stream";
    CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS = "executor.count_tokens";
    CLIPROXY_METHOD_EXECUTOR_HTTP_REQUEST = "executor.http_request";
    // request_translator, request_normalizer
    CLIPROXY_METHOD_REQUEST_TRANSLATE = "request.translate";
    CLIPROXY_METHOD_REQUEST_NORMALIZE = "request.normalize";
    // request_interceptor, request_lifecycle_plugin
    CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE = "request.intercept_before";
    CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER = "request.intercept_after";
    CLIPROXY_METHOD_REQUEST_COMPLETE = "request.complete";
    // response_translator, response_before_translator, response_after_translator
    CLIPROXY_METHOD_RESPONSE_TRANSLATE = "response.translate";
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE = "response.normalize_before";
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER = "response.normalize_after";
    // response_interceptor, response_stream_interceptor
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER = "response.intercept_after";
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK = "response.intercept_stream_chunk";
    // thinking_applier
    CLIPROXY_METHOD_THINKING_IDENTIFIER = "thinking.identifier";
    CLIPROXY_METHOD_THINKING_APPLY = "thinking.apply";
    // usage_plugin
    CLIPROXY_METHOD_USAGE_HANDLE = "usage.handle";
    // command_line_plugin
    CLIPROXY_METHOD_COMMAND_LINE_REGISTER = "command_line.register";
    CLIPROXY_METHOD_COMMAND_LINE_EXECUTE = "command_line.execute";
    // management_api
    CLIPROXY_METHOD_MANAGEMENT_REGISTER = "management.register";
    CLIPROXY_METHOD_MANAGEMENT_HANDLE = "management.handle";
}

method_names! {
    ALL_HOST_METHODS:
    CLIPROXY_HOST_LOG = "host.log";
    CLIPROXY_HOST_HTTP_DO = "host.http.do";
    CLIPROXY_HOST_HTTP_DO_STREAM = "host.http.do_stream";
    CLIPROXY_HOST_HTTP_STREAM_READ = "host.http.stream_read";
    CLIPROXY_HOST_HTTP_STREAM_CLOSE = "host.http.stream_close";
    CLIPROXY_HOST_MODEL_EXECUTE = "host.model.execute";
    CLIPROXY_HOST_MODEL_EXECUTE_STREAM = "host.model.execute_stream";
    CLIPROXY_HOST_MODEL_STREAM_READ = "host.model.stream_read";
    CLIPROXY_HOST_MODEL_STREAM_CLOSE = "host.model.stream_close";
    /// Executor stream bridge: push one chunk for the `stream_id` received in
    /// `executor.execute_stream`, from any thread.
    CLIPROXY_HOST_STREAM_EMIT = "host.stream.emit";
    /// Executor stream bridge: end the stream; call exactly once.
    CLIPROXY_HOST_STREAM_CLOSE = "host.stream.close";
    CLIPROXY_HOST_AUTH_LIST = "host.auth.list";
    CLIPROXY_HOST_AUTH_GET = "host.auth.get";
    CLIPROXY_HOST_AUTH_GET_RUNTIME = "host.auth.get_runtime";
    CLIPROXY_HOST_AUTH_SAVE = "host.auth.save";
    /// cliproxy addition, not in CLIProxyAPI: `{}` -> build information. Under
    /// CLIProxyAPI it answers `host_call_failed`.
    CLIPROXY_HOST_BUILD_INFO = "host.build_info";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layout_matches_c_on_64_bit() {
        assert_eq!(size_of::<Buffer>(), 16);
        assert_eq!(align_of::<Buffer>(), 8);
        assert_eq!(offset_of!(Buffer, ptr), 0);
        assert_eq!(offset_of!(Buffer, len), 8);

        assert_eq!(size_of::<HostApi>(), 32);
        assert_eq!(align_of::<HostApi>(), 8);
        assert_eq!(offset_of!(HostApi, abi_version), 0);
        assert_eq!(offset_of!(HostApi, host_ctx), 8);
        assert_eq!(offset_of!(HostApi, call), 16);
        assert_eq!(offset_of!(HostApi, free_buffer), 24);

        assert_eq!(size_of::<PluginApi>(), 32);
        assert_eq!(align_of::<PluginApi>(), 8);
        assert_eq!(offset_of!(PluginApi, abi_version), 0);
        assert_eq!(offset_of!(PluginApi, call), 8);
        assert_eq!(offset_of!(PluginApi, free_buffer), 16);
        assert_eq!(offset_of!(PluginApi, shutdown), 24);
    }

    #[test]
    #[cfg(target_pointer_width = "32")]
    fn layout_matches_c_on_32_bit() {
        assert_eq!(size_of::<Buffer>(), 8);
        assert_eq!((offset_of!(Buffer, ptr), offset_of!(Buffer, len)), (0, 4));
        assert_eq!(size_of::<HostApi>(), 16);
        assert_eq!(offset_of!(HostApi, host_ctx), 4);
        assert_eq!(offset_of!(HostApi, call), 8);
        assert_eq!(offset_of!(HostApi, free_buffer), 12);
        assert_eq!(size_of::<PluginApi>(), 16);
        assert_eq!(offset_of!(PluginApi, call), 4);
        assert_eq!(offset_of!(PluginApi, free_buffer), 8);
        assert_eq!(offset_of!(PluginApi, shutdown), 12);
    }

    #[test]
    fn nullable_function_pointers_are_pointer_sized() {
        assert_eq!(size_of::<Option<HostCallFn>>(), size_of::<*const c_void>());
        assert_eq!(
            size_of::<Option<PluginShutdownFn>>(),
            size_of::<*const c_void>()
        );
    }

    /// `(name, value)` of every `#define CLIPROXY_<group>_* "..."` line in the header.
    fn header_defines(header: &str, prefix: &str) -> Vec<(String, String)> {
        header
            .lines()
            .filter_map(|line| {
                let rest = line.trim().strip_prefix("#define ")?;
                let (name, value) = rest.split_once(char::is_whitespace)?;
                let value = value.trim();
                if !name.starts_with(prefix) || !value.starts_with('"') {
                    return None;
                }
                Some((name.to_string(), value.trim_matches('"').to_string()))
            })
            .collect()
    }

    /// The constants above are a 1:1 copy of the header's method names: same C names,
    /// same values, same order, none missing, none extra.
    #[test]
    fn method_names_mirror_the_header() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../../abi/include/cliproxy_plugin.h"
        );
        let header = match std::fs::read_to_string(path) {
            Ok(text) => text,
            // The crate was copied out of the cliproxy tree: nothing to compare against.
            Err(err) => return eprintln!("skipping header comparison, {path}: {err}"),
        };
        for (prefix, table) in [
            ("CLIPROXY_METHOD_", ALL_METHODS),
            ("CLIPROXY_HOST_", ALL_HOST_METHODS),
        ] {
            let ours: Vec<(String, String)> = table
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            assert_eq!(
                ours,
                header_defines(&header, prefix),
                "{prefix}* differ from the header"
            );
        }
        let abi = header_defines(&header, "CLIPROXY_ABI_VERSION");
        assert!(abi.is_empty(), "ABI version is numeric, not a string");
        assert!(header.contains(&format!(
            "#define CLIPROXY_ABI_VERSION {CLIPROXY_ABI_VERSION}\n"
        )));
        assert!(header.contains(&format!(
            "#define CLIPROXY_SCHEMA_VERSION {CLIPROXY_SCHEMA_VERSION}\n"
        )));
    }
}

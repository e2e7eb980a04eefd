//! The safe side of a plugin: the [`Plugin`] trait, [`PluginError`], the JSON envelope, and
//! the [`Runtime`] that the [`export_plugin!`](crate::export_plugin) trampolines delegate to.

use std::any::Any;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::abi::{
    Buffer, HostApi, PluginApi, PluginCallFn, PluginShutdownFn, CLIPROXY_ABI_VERSION,
};
use crate::host::Host;

/// One plugin instance, built once per load by `cliproxy_plugin_init`.
///
/// The host calls [`handle`](Plugin::handle) concurrently from many threads without any
/// lock, hence `Send + Sync`: keep mutable state behind `Mutex`/`RwLock`/atomics.
pub trait Plugin: Send + Sync + 'static {
    /// Answers one RPC. `request` is the raw JSON request (only valid for this call; copy
    /// what you keep). `Ok(result)` becomes `{"ok":true,"result":<result>}`, `Err` becomes
    /// an error envelope. Methods you do not implement must answer
    /// `Err(PluginError::unknown_method(method))`.
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError>;

    /// Called once from the C `shutdown` hook, after every in-flight call has returned and
    /// while host callbacks still work. Join your threads here: a [`Host`] is invalid once
    /// this has returned.
    fn shutdown(&self) {}
}

/// An error answered to the host as `{"ok":false,"error":{"code","message","http_status"}}`.
///
/// The host ignores `code` (it is for logs and humans) and uses `message` as the error text;
/// `http_status`, when set, becomes the downstream HTTP status (else the host uses 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    pub code: String,
    pub message: String,
    pub http_status: Option<u16>,
}

impl PluginError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        PluginError {
            code: code.into(),
            message: message.into(),
            http_status: None,
        }
    }

    pub fn with_status(mut self, http_status: u16) -> Self {
        self.http_status = Some(http_status);
        self
    }

    /// `unknown_method`, `"unknown method <name>"`: the answer for methods a plugin does not
    /// implement (the host sends only what the declared capabilities cover, but may add
    /// methods in later versions).
    pub fn unknown_method(method: &str) -> Self {
        Self::new("unknown_method", format!("unknown method {method}"))
    }

    /// `invalid_request` with HTTP status 400: the request could not be used.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new("invalid_request", message).with_status(400)
    }

    /// `plugin_error` without a status (the host answers 500): something failed inside.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("plugin_error", message)
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PluginError {}

/// Encodes a success envelope: `{"ok":true,"result":<result>}`.
pub fn ok_envelope(result: &Value) -> Vec<u8> {
    let mut out = br#"{"ok":true,"result":"#.to_vec();
    // Writing a Value into a Vec cannot fail (keys are strings, no I/O).
    serde_json::to_writer(&mut out, result).expect("serialize JSON value");
    out.push(b'}');
    out
}

/// Encodes an error envelope: `{"ok":false,"error":{"code":..,"message":..}}`, plus
/// `"http_status":N` only when set (the Go host treats 0 and absent alike).
pub fn error_envelope(error: &PluginError) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("code".into(), error.code.clone().into());
    body.insert("message".into(), error.message.clone().into());
    if let Some(status) = error.http_status {
        body.insert("http_status".into(), status.into());
    }
    let envelope = serde_json::json!({ "ok": false, "error": body });
    serde_json::to_vec(&envelope).expect("serialize JSON value")
}

/// Hands `bytes` to the host as a response buffer.
///
/// Ownership: the bytes become a `Box<[u8]>` whose pointer and exact length go into
/// `*response`. The host copies them and then calls [`free_response`] with that same
/// `(ptr, len)`, which rebuilds and drops the box. Nothing else may free it.
///
/// # Safety
/// `response` must point at a writable `cliproxy_buffer`.
pub unsafe fn write_response(response: *mut Buffer, bytes: Vec<u8>) {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    let ptr = Box::into_raw(boxed) as *mut u8 as *mut c_void;
    *response = Buffer { ptr, len };
}

/// The plugin's `free_buffer`: releases a buffer made by [`write_response`]. NULL is a no-op.
///
/// # Safety
/// `(ptr, len)` must be exactly what [`write_response`] stored, and freed only once.
pub unsafe extern "C" fn free_response(ptr: *mut c_void, len: usize) {
    if !ptr.is_null() {
        drop(Box::from_raw(ptr::slice_from_raw_parts_mut(
            ptr as *mut u8,
            len,
        )));
    }
}

/// How a plugin instance is made at init: `P::default()` or a function given the host.
pub enum Constructor<P> {
    Default(fn() -> P),
    WithHost(fn(Host) -> Result<P, PluginError>),
}

/// Per-library state behind the exported symbols: the live plugin instance.
///
/// `export_plugin!` puts one of these in a `static`; a cdylib has its own copy of this
/// crate, so every plugin library has its own runtime. The instance sits behind an
/// `RwLock<Option<Arc<P>>>` so that `call` only holds the lock long enough to clone the
/// `Arc` (never across plugin code or host callbacks), and so that a library that stays
/// mapped after `dlclose` can be initialised again after `shutdown`.
pub struct Runtime<P: Plugin> {
    instance: RwLock<Option<Arc<P>>>,
}

impl<P: Plugin> Runtime<P> {
    pub const fn new() -> Self {
        Runtime {
            instance: RwLock::new(None),
        }
    }

    fn current(&self) -> Option<Arc<P>> {
        self.instance
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Body of `cliproxy_plugin_init`. Returns 0 and fills `plugin` on success; returns 1
    /// and leaves `plugin` zeroed (so the host calls no `shutdown`) when a pointer is NULL,
    /// the host table is incomplete, an instance is already live in this library, or the
    /// constructor fails or panics.
    ///
    /// # Safety
    /// `host`/`plugin` must be NULL or valid for reads/writes of their C structs.
    pub unsafe fn init(
        &self,
        host: *const HostApi,
        plugin: *mut PluginApi,
        make: Constructor<P>,
        call: PluginCallFn,
        shutdown: PluginShutdownFn,
    ) -> c_int {
        if plugin.is_null() {
            return 1;
        }
        let Some(host) = Host::from_raw(host) else {
            return 1;
        };
        let mut slot = self.instance.write().unwrap_or_else(|e| e.into_inner());
        if slot.is_some() {
            return 1;
        }
        let built = catch_unwind(AssertUnwindSafe(|| match make {
            Constructor::Default(make) => Ok(make()),
            Constructor::WithHost(make) => make(host),
        }));
        match built {
            Ok(Ok(instance)) => *slot = Some(Arc::new(instance)),
            Ok(Err(err)) => {
                host.log("error", &format!("plugin init failed: {}", err.message));
                return 1;
            }
            Err(_) => return 1,
        }
        *plugin = PluginApi {
            abi_version: CLIPROXY_ABI_VERSION,
            call: Some(call),
            free_buffer: Some(free_response),
            shutdown: Some(shutdown),
        };
        0
    }

    /// Body of the plugin's `call`. Always answers an envelope when `response` is usable:
    /// rc 0 for everything the plugin produced (errors included, e.g. `unknown_method`),
    /// rc 1 plus an `invalid_method` envelope for a NULL or non-UTF-8 method, rc 1 without a
    /// buffer when `response` is NULL. Panics are caught and answered as `plugin_error`.
    ///
    /// # Safety
    /// Arguments as in `cliproxy_plugin_call_fn`.
    pub unsafe fn call(
        &self,
        method: *const c_char,
        request: *const u8,
        request_len: usize,
        response: *mut Buffer,
    ) -> c_int {
        if response.is_null() {
            return 1;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            self.dispatch(method, request, request_len)
        }));
        let (rc, reply) = match outcome {
            Ok((rc, Ok(result))) => (rc, ok_envelope(&result)),
            Ok((rc, Err(err))) => (rc, error_envelope(&err)),
            Err(panic) => (
                0,
                error_envelope(&PluginError::internal(format!(
                    "plugin panicked: {}",
                    panic_text(&panic)
                ))),
            ),
        };
        write_response(response, reply);
        rc
    }

    unsafe fn dispatch(
        &self,
        method: *const c_char,
        request: *const u8,
        len: usize,
    ) -> (c_int, Result<Value, PluginError>) {
        if method.is_null() {
            return (1, Err(PluginError::new("invalid_method", "method is NULL")));
        }
        let Ok(method) = CStr::from_ptr(method).to_str() else {
            return (
                1,
                Err(PluginError::new("invalid_method", "method is not UTF-8")),
            );
        };
        let request: &[u8] = match (request.is_null(), len) {
            (_, 0) => &[],
            (false, len) => std::slice::from_raw_parts(request, len),
            (true, _) => {
                return (
                    0,
                    Err(PluginError::invalid_request(
                        "request is NULL but request_len is not 0",
                    )),
                )
            }
        };
        let Some(instance) = self.current() else {
            return (0, Err(PluginError::internal("plugin is not initialised")));
        };
        (0, instance.handle(method, request))
    }

    /// Body of the plugin's `shutdown`: runs [`Plugin::shutdown`] (host callbacks still
    /// work), then drops the instance so the library can be initialised again.
    pub fn shutdown(&self) {
        let Some(instance) = self.current() else {
            return;
        };
        let _ = catch_unwind(AssertUnwindSafe(|| instance.shutdown()));
        drop(instance);
        self.instance
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }
}

impl<P: Plugin> Default for Runtime<P> {
    fn default() -> Self {
        Self::new()
    }
}

fn panic_text(panic: &Box<dyn Any + Send>) -> &str {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "non-string panic payload"
    }
}

/// Exports a [`Plugin`] type as a cliproxy plugin library.
///
/// Emits the one exported symbol, `cliproxy_plugin_init`, plus the `call` and `shutdown`
/// trampolines it installs (the `free_buffer` is [`free_response`]). Use it once, at the
/// top level of a `cdylib` crate:
///
/// ```ignore
/// cliproxy_plugin::export_plugin!(MyPlugin);              // MyPlugin: Plugin + Default
/// cliproxy_plugin::export_plugin!(MyPlugin, MyPlugin::new); // fn(Host) -> Result<MyPlugin, PluginError>
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        $crate::export_plugin!(@emit $plugin, $crate::Constructor::Default(<$plugin as ::core::default::Default>::default));
    };
    ($plugin:ty, $new:expr) => {
        $crate::export_plugin!(@emit $plugin, $crate::Constructor::WithHost($new));
    };
    (@emit $plugin:ty, $make:expr) => {
        const _: () = {
            static RUNTIME: $crate::Runtime<$plugin> = $crate::Runtime::new();

            unsafe extern "C" fn plugin_call(
                method: *const ::core::ffi::c_char,
                request: *const u8,
                request_len: usize,
                response: *mut $crate::abi::Buffer,
            ) -> ::core::ffi::c_int {
                RUNTIME.call(method, request, request_len, response)
            }

            unsafe extern "C" fn plugin_shutdown() {
                RUNTIME.shutdown()
            }

            /// The plugin entry point (`cliproxy_plugin_init` in cliproxy_plugin.h).
            #[no_mangle]
            pub unsafe extern "C" fn cliproxy_plugin_init(
                host: *const $crate::abi::HostApi,
                plugin: *mut $crate::abi::PluginApi,
            ) -> ::core::ffi::c_int {
                // Type-check against the header's cliproxy_plugin_init_fn.
                const _: $crate::abi::PluginInitFn = cliproxy_plugin_init;
                RUNTIME.init(host, plugin, $make, plugin_call, plugin_shutdown)
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes() {
        assert_eq!(
            ok_envelope(&json!({"identifier":"x"})),
            br#"{"ok":true,"result":{"identifier":"x"}}"#
        );
        assert_eq!(
            error_envelope(&PluginError::unknown_method("a.b")),
            br#"{"ok":false,"error":{"code":"unknown_method","message":"unknown method a.b"}}"#
        );
        assert_eq!(
            error_envelope(&PluginError::invalid_request("bad")),
            br#"{"ok":false,"error":{"code":"invalid_request","message":"bad","http_status":400}}"#
        );
    }

    #[derive(Default)]
    struct Probe;

    impl Plugin for Probe {
        fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
            match method {
                "probe.echo" => Ok(serde_json::from_slice(request).unwrap_or(Value::Null)),
                "probe.panic" => panic!("boom"),
                _ => Err(PluginError::unknown_method(method)),
            }
        }
    }

    crate::export_plugin!(Probe);

    // The macro's symbol is not nameable from Rust (it lives in an anonymous const), just
    // as the host only finds it by name: link to it by name too.
    extern "C" {
        fn cliproxy_plugin_init(host: *const HostApi, plugin: *mut PluginApi) -> c_int;
    }

    /// Drives the exported symbol the way a host does, through the C function table.
    #[test]
    fn exported_table_round_trip() {
        unsafe extern "C" fn host_call(
            _: *mut c_void,
            _: *const c_char,
            _: *const u8,
            _: usize,
            _: *mut Buffer,
        ) -> c_int {
            1
        }
        unsafe extern "C" fn host_free(_: *mut c_void, _: usize) {}
        let host = HostApi {
            abi_version: 1,
            host_ctx: ptr::null_mut(),
            call: Some(host_call),
            free_buffer: Some(host_free),
        };
        let mut table = PluginApi {
            abi_version: 0,
            call: None,
            free_buffer: None,
            shutdown: None,
        };
        unsafe {
            assert_eq!(cliproxy_plugin_init(&host, &mut table), 0);
            assert_eq!(
                cliproxy_plugin_init(&host, &mut table),
                1,
                "second live instance refused"
            );
            assert_eq!(table.abi_version, 1);
            let call = table.call.unwrap();
            let free = table.free_buffer.unwrap();
            let run = |method: Option<&CStr>, request: &[u8]| {
                let mut buf = Buffer {
                    ptr: ptr::null_mut(),
                    len: 0,
                };
                let m = method.map_or(ptr::null(), CStr::as_ptr);
                let rc = call(m, request.as_ptr(), request.len(), &mut buf);
                let text = String::from_utf8(
                    std::slice::from_raw_parts(buf.ptr as *const u8, buf.len).to_vec(),
                )
                .unwrap();
                free(buf.ptr, buf.len);
                (rc, text)
            };
            assert_eq!(
                run(Some(c"probe.echo"), br#"{"a":[1]}"#),
                (0, r#"{"ok":true,"result":{"a":[1]}}"#.into())
            );
            let (rc, text) = run(Some(c"probe.panic"), b"{}");
            assert_eq!(rc, 0);
            assert!(
                text.starts_with(
                    r#"{"ok":false,"error":{"code":"plugin_error","message":"plugin panicked: boom"#
                ),
                "{text}"
            );
            assert_eq!(
                run(Some(c"nope"), b"{}"),
                (0, r#"{"ok":false,"error":{"code":"unknown_method","message":"unknown method nope"}}"#.into())
            );
            assert_eq!(run(None, b"{}").0, 1);
            table.shutdown.unwrap()();
            assert!(run(Some(c"probe.echo"), b"{}")
                .1
                .contains("not initialised"));
            assert_eq!(
                cliproxy_plugin_init(&host, &mut table),
                0,
                "re-init after shutdown"
            );
            table.shutdown.unwrap()();
        }
    }
}

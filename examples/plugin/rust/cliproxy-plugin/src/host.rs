//! [`Host`]: a safe handle for calling back into the host (`host.*` methods).

use std::ffi::{c_void, CString};
use std::fmt;
use std::ptr;

use serde_json::Value;

use crate::abi::{Buffer, HostApi, HostCallFn, HostFreeFn, CLIPROXY_HOST_LOG};

/// A copy of the host table the plugin received in `cliproxy_plugin_init`.
///
/// It is `Copy`, `Send` and `Sync`, so a plugin can keep it in its state and hand it to its
/// own threads. Validity: the host keeps `host_ctx` alive until the plugin's `shutdown` has
/// returned, so a `Host` must not be used after that. Stop every thread that holds one in
/// [`crate::Plugin::shutdown`].
#[derive(Clone, Copy)]
pub struct Host {
    ctx: *mut c_void,
    call: HostCallFn,
    free: HostFreeFn,
}

// SAFETY: `host_ctx` is an opaque token that is only passed back to the host, and the
// header documents `call` and `free_buffer` as thread-safe from any thread.
unsafe impl Send for Host {}
unsafe impl Sync for Host {}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

/// A failed host call: the host's error envelope (`code` is usually `host_call_failed`),
/// a non-zero return code, or an unreadable reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub code: String,
    pub message: String,
}

impl HostError {
    fn new(code: &str, message: String) -> Self {
        HostError {
            code: code.to_string(),
            message,
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}

impl Host {
    /// Copies the host table. `None` when `api` is NULL or a function pointer is missing.
    ///
    /// # Safety
    /// `api` must be NULL or point at a readable `cliproxy_host_api`.
    pub unsafe fn from_raw(api: *const HostApi) -> Option<Host> {
        let api = api.as_ref()?;
        Some(Host {
            ctx: api.host_ctx,
            call: api.call?,
            free: api.free_buffer?,
        })
    }

    /// Calls `method` with a JSON request and returns the decoded `result` of the host's
    /// envelope (`Value::Null` when the host sent none).
    ///
    /// Errors: the host's error envelope; `host call <method> returned <rc>` for a non-zero
    /// return code; or a reply that is not an envelope.
    pub fn call(&self, method: &str, request: &Value) -> Result<Value, HostError> {
        let request = serde_json::to_vec(request).map_err(|err| {
            HostError::new("invalid_request", format!("encode {method} request: {err}"))
        })?;
        let reply = self.call_raw(method, &request)?;
        decode_envelope(method, &reply)
    }

    /// Calls `method` with raw request bytes and returns the raw envelope bytes.
    ///
    /// Ownership: `request` stays ours (the host copies it). The host's reply buffer is
    /// copied into the returned `Vec` and released right away with the host's own
    /// `free_buffer`, as the header requires; no host memory outlives this call.
    pub fn call_raw(&self, method: &str, request: &[u8]) -> Result<Vec<u8>, HostError> {
        let c_method = CString::new(method).map_err(|_| {
            HostError::new(
                "invalid_request",
                format!("host method {method:?} contains NUL"),
            )
        })?;
        let mut response = Buffer {
            ptr: ptr::null_mut(),
            len: 0,
        };
        // SAFETY: all pointers are valid for the duration of the call; the header says the
        // host copies method and request before returning.
        let rc = unsafe {
            (self.call)(
                self.ctx,
                c_method.as_ptr(),
                request.as_ptr(),
                request.len(),
                &mut response,
            )
        };
        let reply = if response.ptr.is_null() {
            None
        } else {
            // SAFETY: the host set ptr/len to a buffer it owns until we free it below.
            let bytes =
                unsafe { std::slice::from_raw_parts(response.ptr as *const u8, response.len) }
                    .to_vec();
            // SAFETY: a buffer from host->call goes back to host->free_buffer, exactly once.
            unsafe { (self.free)(response.ptr, response.len) };
            Some(bytes)
        };
        match (rc, reply) {
            (0, Some(bytes)) => Ok(bytes),
            (0, None) => Err(HostError::new(
                "host_call_failed",
                format!("host call {method} returned no response"),
            )),
            (rc, _) => Err(HostError::new(
                "host_call_failed",
                format!("host call {method} returned {rc}"),
            )),
        }
    }

    /// `host.log`: `level` is `trace`, `info`, `warn`, `error` (anything else logs at debug).
    /// Failures are ignored: logging must never break the caller.
    pub fn log(&self, level: &str, message: &str) {
        let _ = self.call(
            CLIPROXY_HOST_LOG,
            &serde_json::json!({ "level": level, "message": message }),
        );
    }
}

/// Decodes an `{"ok":...,"result":...,"error":...}` envelope.
fn decode_envelope(method: &str, reply: &[u8]) -> Result<Value, HostError> {
    let envelope: Value = serde_json::from_slice(reply).map_err(|err| {
        HostError::new(
            "invalid_response",
            format!("decode host envelope {method}: {err}"),
        )
    })?;
    if envelope.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(envelope.get("result").cloned().unwrap_or(Value::Null));
    }
    let error = envelope.get("error");
    let text = |key: &str| {
        error
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let code = text("code");
    let message = text("message");
    Err(HostError {
        code: if code.is_empty() {
            "host_call_failed".into()
        } else {
            code
        },
        message: if message.is_empty() {
            format!("host call {method} failed")
        } else {
            message
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::ffi::{c_char, c_int, CStr};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static FREED: AtomicUsize = AtomicUsize::new(0);

    /// Answers `{"ok":true,"result":{"echo":<request>}}` for `test.echo`, an error
    /// envelope for `test.fail`, and rc 7 for anything else. Memory comes from a boxed
    /// slice so `test_free` can check the (ptr, len) it gets back.
    unsafe extern "C" fn test_call(
        ctx: *mut c_void,
        method: *const c_char,
        request: *const u8,
        request_len: usize,
        response: *mut Buffer,
    ) -> c_int {
        assert_eq!(ctx as usize, 0x1234);
        let method = CStr::from_ptr(method).to_str().unwrap();
        let request = std::slice::from_raw_parts(request, request_len);
        let body = match method {
            "test.echo" => format!(r#"{{"ok":true,"result":{{"echo":{}}}}}"#, std::str::from_utf8(request).unwrap()),
            "test.fail" => r#"{"ok":false,"error":{"code":"host_call_failed","message":"stream 7 is not open"}}"#.into(),
            _ => return 7,
        };
        let boxed = body.into_bytes().into_boxed_slice();
        (*response).len = boxed.len();
        (*response).ptr = Box::into_raw(boxed) as *mut c_void;
        0
    }

    unsafe extern "C" fn test_free(ptr: *mut c_void, len: usize) {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            ptr as *mut u8,
            len,
        )));
        FREED.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn call_decodes_envelopes_and_frees_replies() {
        let api = HostApi {
            abi_version: 1,
            host_ctx: 0x1234 as *mut c_void,
            call: Some(test_call),
            free_buffer: Some(test_free),
        };
        let host = unsafe { Host::from_raw(&api) }.unwrap();
        let before = FREED.load(Ordering::SeqCst);
        assert_eq!(
            host.call("test.echo", &json!({"a":1})).unwrap(),
            json!({"echo":{"a":1}})
        );
        let err = host.call("test.fail", &json!({})).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("host_call_failed", "stream 7 is not open")
        );
        let err = host.call("test.other", &json!({})).unwrap_err();
        assert_eq!(err.message, "host call test.other returned 7");
        assert_eq!(FREED.load(Ordering::SeqCst) - before, 2);
    }

    #[test]
    fn from_raw_rejects_incomplete_tables() {
        let api = HostApi {
            abi_version: 1,
            host_ctx: ptr::null_mut(),
            call: Some(test_call),
            free_buffer: None,
        };
        assert!(unsafe { Host::from_raw(&api) }.is_none());
        assert!(unsafe { Host::from_raw(ptr::null()) }.is_none());
    }
}

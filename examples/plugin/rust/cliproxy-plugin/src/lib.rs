//! ABI glue shared by the Rust example plugins of cliproxy.
//!
//! A cliproxy plugin is a shared library exporting one C symbol, `cliproxy_plugin_init`,
//! after which every exchange is `call(method, JSON request) -> JSON envelope` through C
//! function tables (`abi/include/cliproxy_plugin.h` is normative). This crate keeps the
//! `unsafe` in one place so that each example only writes safe Rust:
//!
//! * [`abi`]: `#[repr(C)]` mirrors of the header's structs and function types, and the
//!   method-name constants, with tests pinning the layout.
//! * [`Plugin`] + [`export_plugin!`]: implement `handle(method, request) -> Result<Value,
//!   PluginError>`; the macro emits `cliproxy_plugin_init` and the `call`/`free_buffer`/
//!   `shutdown` trampolines, encodes the envelope, and turns panics into error envelopes
//!   (a panic must never unwind into the host).
//! * [`Host`]: calls back into the host (`host.log`, `host.stream.emit`, ...) and owns the
//!   release of the host's reply buffers.
//! * [`b64_encode`], [`b64_decode`], [`config_value`]: the wire's base64 `[]byte` fields and
//!   the plugin's config YAML.
//!
//! ```
//! use cliproxy_plugin::{export_plugin, Plugin, PluginError};
//! use serde_json::{json, Value};
//!
//! #[derive(Default)]
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn handle(&self, method: &str, _request: &[u8]) -> Result<Value, PluginError> {
//!         match method {
//!             "executor.identifier" => Ok(json!({ "identifier": "hello" })),
//!             _ => Err(PluginError::unknown_method(method)),
//!         }
//!     }
//! }
//!
//! export_plugin!(Hello);
//! ```
//!
//! Memory ownership across the boundary, in short: requests from the host are borrowed for
//! the duration of one call; replies to the host are `Box<[u8]>` freed by our
//! `free_buffer` from the exact `(ptr, len)` we handed out; replies from the host are copied
//! and released at once with the host's `free_buffer`.

pub mod abi;
mod host;
mod plugin;
mod util;

pub use host::{Host, HostError};
pub use plugin::{
    error_envelope, free_response, ok_envelope, write_response, Constructor, Plugin, PluginError,
    Runtime,
};
pub use util::{b64_decode, b64_encode, config_value};

/// Re-exported so examples and the macro agree on one `serde_json`.
pub use serde_json;

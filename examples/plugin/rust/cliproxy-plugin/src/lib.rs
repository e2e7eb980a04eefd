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
//!   the plugin's config YAML; [`Config`] reads it with defaults and lists, [`Shared`] holds
//!   what a reconfigure replaces while other threads read it.
//! * [`types`]: typed requests with the Go field names (`AuthID`, `StorageJSON`, ...), the
//!   [`Bytes`](types::Bytes) and [`Headers`](types::Headers) wire types, [`decode`] and
//!   [`reply`]; [`Registration`] / [`Capabilities`] for the `plugin.register` reply.
//! * [`openai`]: a fixed-text chat completion, its inline stream form, the last message's
//!   text. [`insert_first_key`], [`contains_bytes`], [`append_json_line`], [`rfc3339_utc`]:
//!   small body, file and time helpers the examples share.
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
mod config;
mod file;
mod host;
mod json;
pub mod openai;
mod plugin;
mod registration;
mod time;
pub mod types;
mod util;

pub use config::{split_list, Config, Shared};
pub use file::{append_json_line, append_line};
pub use host::{Host, HostError};
pub use json::insert_first_key;
pub use plugin::{
    error_envelope, free_response, ok_envelope, write_response, Constructor, Plugin, PluginError,
    Runtime,
};
pub use registration::{
    Capabilities, ConfigField, Metadata, Registration, EXAMPLE_AUTHOR, EXAMPLE_REPOSITORY,
    EXAMPLE_SCHEMA_VERSION, EXAMPLE_VERSION,
};
pub use time::rfc3339_utc;
pub use types::{decode, reply};
pub use util::{b64_decode, b64_encode, config_value, contains_bytes};

/// Re-exported so examples and the macro agree on one `serde_json`.
pub use serde_json;

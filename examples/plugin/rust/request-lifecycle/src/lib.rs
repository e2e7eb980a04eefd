//! `request-lifecycle-rust`: a request lifecycle plugin (capability
//! `request_lifecycle_plugin`) that appends one JSON line per finished request (id, model,
//! outcome, status, error) to a file.
//!
//! Config: `file`, the path of the JSON Lines file (nothing is written when unset). The
//! host sends `request.complete` from many threads at once; the shared appender keeps
//! every record a whole line.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_REQUEST_COMPLETE,
};
use cliproxy_plugin::types::{decode, RequestCompletion};
use cliproxy_plugin::{
    append_json_line, export_plugin, Capabilities, Config, Plugin, PluginError, Registration,
    Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "request-lifecycle-rust";

#[derive(Default)]
pub struct RequestLifecycle {
    /// Config key `file`, replaced on every register/reconfigure.
    file: Shared<Option<String>>,
}

impl Plugin for RequestLifecycle {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_REQUEST_COMPLETE => self.complete(&decode(request)?),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(RequestLifecycle);

impl RequestLifecycle {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.file.set(config.get("file"));
        let capabilities = Capabilities {
            request_lifecycle_plugin: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "file",
                "string",
                "JSON Lines file that gets one record per request.",
            )
            .to_value())
    }

    /// `request.complete`: the host ignores the reply; a failed write comes back as an
    /// error so that the host logs it.
    fn complete(&self, request: &RequestCompletion) -> Result<Value, PluginError> {
        if let Some(file) = self.file.get().as_deref() {
            append_json_line(file, &record(request))
                .map_err(|err| PluginError::internal(format!("append to {file}: {err}")))?;
        }
        Ok(json!({}))
    }
}

fn record(request: &RequestCompletion) -> Value {
    json!({
        "plugin": PLUGIN_NAME,
        "request_id": request.request_id,
        "model": request.model,
        "requested_model": request.requested_model,
        "stream": request.stream,
        "outcome": request.outcome,
        "status": request.status_code,
        "error": request.error
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_shape() {
        let request: RequestCompletion = decode(
            br#"{"RequestID":"r1","Model":"m","RequestedModel":"rm","Stream":true,
                 "Outcome":"failed","StatusCode":502,"Error":"boom","Metadata":null}"#,
        )
        .unwrap();
        assert_eq!(
            record(&request).to_string(),
            r#"{"plugin":"request-lifecycle-rust","request_id":"r1","model":"m","requested_model":"rm","stream":true,"outcome":"failed","status":502,"error":"boom"}"#
        );
    }

    #[test]
    fn writes_nothing_without_a_file() {
        let plugin = RequestLifecycle::default();
        assert_eq!(
            plugin
                .handle(CLIPROXY_METHOD_REQUEST_COMPLETE, b"{}")
                .unwrap(),
            json!({})
        );
    }
}

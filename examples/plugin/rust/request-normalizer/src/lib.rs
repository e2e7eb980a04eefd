//! `request-normalizer-rust`: a request normalizer (capability `request_normalizer`) that
//! appends a suffix to the last message of requests bound for format `openai` (the echo
//! executor then shows it in its answer).
//!
//! Config: `suffix` (default ` [normalized by rust]`).

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_REQUEST_NORMALIZE,
};
use cliproxy_plugin::types::{decode, Bytes, TransformRequest};
use cliproxy_plugin::{
    export_plugin, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "request-normalizer-rust";
const DEFAULT_SUFFIX: &str = " [normalized by rust]";

pub struct RequestNormalizer {
    /// Config key `suffix`, replaced on every register/reconfigure.
    suffix: Shared<String>,
}

impl Default for RequestNormalizer {
    fn default() -> Self {
        RequestNormalizer {
            suffix: Shared::new(DEFAULT_SUFFIX.into()),
        }
    }
}

impl Plugin for RequestNormalizer {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_REQUEST_NORMALIZE => Ok(self.normalize(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(RequestNormalizer);

impl RequestNormalizer {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.suffix.set(config.get_or("suffix", DEFAULT_SUFFIX));
        let capabilities = Capabilities {
            request_normalizer: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field("suffix", "string", "Text appended to the last message.")
            .to_value())
    }

    /// `request.normalize`: the body with the suffix appended, or `{}` (no change) when the
    /// request is not bound for `openai` or its last message has no string content.
    fn normalize(&self, request: &TransformRequest) -> Value {
        if request.to_format != "openai" {
            return json!({});
        }
        match append_to_last_message(&request.body, &self.suffix.get()) {
            Some(body) => json!({ "Body": Bytes(body) }),
            None => json!({}),
        }
    }
}

/// The body re-encoded with `suffix` appended to the string `content` of the last element
/// of `messages`; `None` when there is no such content.
fn append_to_last_message(body: &[u8], suffix: &str) -> Option<Vec<u8>> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    let last = body.get_mut("messages")?.as_array_mut()?.last_mut()?;
    match last.get_mut("content")? {
        Value::String(content) => content.push_str(suffix),
        _ => return None,
    }
    serde_json::to_vec(&body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(body: &str) -> Option<String> {
        append_to_last_message(body.as_bytes(), " [n]").map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn appends_to_string_content_only() {
        assert_eq!(
            append(r#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}"#).as_deref(),
            Some(r#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b [n]"}]}"#)
        );
        assert_eq!(
            append(r#"{"messages":[{"content":[{"type":"text","text":"b"}]}]}"#),
            None
        );
        assert_eq!(append(r#"{"messages":[]}"#), None);
        assert_eq!(append("[1]"), None);
    }

    #[test]
    fn only_requests_bound_for_openai() {
        let plugin = RequestNormalizer::default();
        let body = cliproxy_plugin::b64_encode(r#"{"messages":[{"content":"x"}]}"#);
        let request = |to: &str| {
            decode(
                json!({"FromFormat": "openai", "ToFormat": to, "Body": body})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap()
        };
        assert_eq!(
            plugin.normalize(&request("openai")),
            json!({"Body": cliproxy_plugin::b64_encode(r#"{"messages":[{"content":"x [normalized by rust]"}]}"#)})
        );
        assert_eq!(plugin.normalize(&request("claude")), json!({}));
    }
}

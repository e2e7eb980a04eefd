//! `thinking-applier-rust`: the thinking applier for the format `think-rust` (capability
//! `thinking_applier`). The host parses and validates the client's thinking settings
//! (model suffix or body fields); this plugin writes them into the provider payload as a
//! top-level `thinking` object.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_THINKING_APPLY, CLIPROXY_METHOD_THINKING_IDENTIFIER,
};
use cliproxy_plugin::types::{decode, Bytes, ThinkingApplyRequest, ThinkingConfig};
use cliproxy_plugin::{export_plugin, Capabilities, Plugin, PluginError, Registration};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "thinking-applier-rust";
/// The format (provider name) this plugin applies thinking for.
const IDENTIFIER: &str = "think-rust";

#[derive(Default)]
pub struct ThinkingApplier;

impl Plugin for ThinkingApplier {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_THINKING_IDENTIFIER => Ok(json!({ "identifier": IDENTIFIER })),
            CLIPROXY_METHOD_THINKING_APPLY => Ok(apply(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ThinkingApplier);

fn registration() -> Value {
    let capabilities = Capabilities {
        thinking_applier: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// `thinking.apply`: the body with its `thinking` key set (replaced in place when present,
/// else added last); `{}` keeps a body that is not a JSON object unchanged.
fn apply(request: &ThinkingApplyRequest) -> Value {
    match with_thinking(&request.body, &request.config) {
        Some(body) => json!({ "Body": Bytes(body) }),
        None => json!({}),
    }
}

fn with_thinking(body: &[u8], config: &ThinkingConfig) -> Option<Vec<u8>> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    body.as_object_mut()?.insert(
        "thinking".into(),
        json!({
            "mode": config.mode,
            "budget": config.budget,
            "level": config.level,
            "applied_by": "rust"
        }),
    );
    serde_json::to_vec(&body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn apply_to(body: &str) -> Value {
        let request = json!({
            "Provider": "think-rust", "Model": {"ID": "m"},
            "Config": {"Mode": "budget", "Budget": 8192, "Level": ""},
            "Body": b64_encode(body)
        });
        apply(&decode(request.to_string().as_bytes()).unwrap())
    }

    #[test]
    fn sets_the_thinking_object() {
        let thinking = r#"{"mode":"budget","budget":8192,"level":"","applied_by":"rust"}"#;
        assert_eq!(
            apply_to(r#"{"model":"m","thinking":{"old":true},"x":1}"#),
            json!({"Body": b64_encode(format!(r#"{{"model":"m","thinking":{thinking},"x":1}}"#))})
        );
        assert_eq!(
            apply_to(r#"{"model":"m"}"#),
            json!({"Body": b64_encode(format!(r#"{{"model":"m","thinking":{thinking}}}"#))})
        );
        assert_eq!(apply_to("[1]"), json!({}));
    }
}

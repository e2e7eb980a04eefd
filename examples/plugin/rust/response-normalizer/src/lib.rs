//! `response-normalizer-rust`: response normalizers on both sides of response translation
//! (capabilities `response_before_translator` and `response_after_translator`). Every
//! response body and stream chunk that is a JSON object gets a first key:
//! `"x_before":"rust"` before translation (provider format) and `"x_after":"rust"` after
//! it (client format). Anything else is declined with `{}` and passes unchanged.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER, CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE,
};
use cliproxy_plugin::types::{decode, Bytes, TransformRequest};
use cliproxy_plugin::{
    export_plugin, insert_first_key, Capabilities, Plugin, PluginError, Registration,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "response-normalizer-rust";

#[derive(Default)]
pub struct ResponseNormalizer;

impl Plugin for ResponseNormalizer {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE => Ok(mark(&decode(request)?, "x_before")),
            CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER => Ok(mark(&decode(request)?, "x_after")),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ResponseNormalizer);

fn registration() -> Value {
    let capabilities = Capabilities {
        response_before_translator: true,
        response_after_translator: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// The body with `"<key>":"rust"` as its first key, or `{}` (no change) for a body that is
/// not a JSON object.
fn mark(request: &TransformRequest, key: &str) -> Value {
    match insert_first_key(&request.body, key, &json!("rust")) {
        Some(body) => json!({ "Body": Bytes(body) }),
        None => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn normalize(method: &str, body: &str) -> Value {
        let request =
            json!({"FromFormat": "openai", "ToFormat": "openai", "Body": b64_encode(body)});
        ResponseNormalizer
            .handle(method, request.to_string().as_bytes())
            .unwrap()
    }

    #[test]
    fn marks_both_sides() {
        assert_eq!(
            normalize(CLIPROXY_METHOD_RESPONSE_NORMALIZE_BEFORE, r#"{"a":1}"#),
            json!({"Body": b64_encode(r#"{"x_before":"rust","a":1}"#)})
        );
        assert_eq!(
            normalize(CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER, r#"{"a":1}"#),
            json!({"Body": b64_encode(r#"{"x_after":"rust","a":1}"#)})
        );
        assert_eq!(
            normalize(CLIPROXY_METHOD_RESPONSE_NORMALIZE_AFTER, "[DONE]"),
            json!({})
        );
    }
}

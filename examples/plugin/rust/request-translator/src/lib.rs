//! `request-translator-rust`: translates `openai` requests into the plain-text format
//! `text-rust` (capability `request_translator`), and serves the model `text-model-rust`
//! whose executor takes that format (capabilities `model_provider`, `executor`, scope
//! `static`, input `text-rust`, output `openai`).
//!
//! The host has no native translator from `openai` to `text-rust`, so it asks
//! `request.translate`; the executor then receives the bare text as its payload. Every
//! other format pair is declined with an empty reply, so that same-format pairs the host
//! also routes through this hook are left alone.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_EXECUTOR_EXECUTE, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, CLIPROXY_METHOD_MODEL_STATIC,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_REQUEST_TRANSLATE,
};
use cliproxy_plugin::types::{
    decode, Bytes, ExecutorRequest, ModelInfo, ModelResponse, TransformRequest,
};
use cliproxy_plugin::{
    export_plugin, openai, reply, Capabilities, Plugin, PluginError, Registration,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "request-translator-rust";
/// The plain-text format, also the executor's identifier and provider.
const TEXT_FORMAT: &str = "text-rust";
const MODEL: &str = "text-model-rust";
const COMPLETION_ID: &str = "chatcmpl-request-translator-rust";

#[derive(Default)]
pub struct RequestTranslator;

impl Plugin for RequestTranslator {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_EXECUTOR_IDENTIFIER => Ok(json!({ "identifier": TEXT_FORMAT })),
            CLIPROXY_METHOD_MODEL_STATIC => reply(&ModelResponse::new(
                TEXT_FORMAT,
                vec![ModelInfo::new(MODEL, PLUGIN_NAME)],
            )),
            CLIPROXY_METHOD_REQUEST_TRANSLATE => Ok(translate(&decode(request)?)),
            CLIPROXY_METHOD_EXECUTOR_EXECUTE | CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM => {
                let request: ExecutorRequest = decode(request)?;
                Ok(openai::answer_reply(
                    method == CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
                    COMPLETION_ID,
                    &request.model,
                    &answer(&request),
                ))
            }
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(RequestTranslator);

fn registration() -> Value {
    let capabilities = Capabilities {
        request_translator: true,
        model_provider: true,
        ..Capabilities::executor("static", &[TEXT_FORMAT], &["openai"])
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// `request.translate`: `openai` -> `text-rust` is the last message's text; anything else
/// (or a request without one) is declined with `{}`.
fn translate(request: &TransformRequest) -> Value {
    if request.from_format != "openai" || request.to_format != TEXT_FORMAT {
        return json!({});
    }
    match openai::last_message_text(&request.body) {
        Some(text) => json!({ "Body": Bytes::from(text) }),
        None => json!({}),
    }
}

/// The executor's payload is the translated plain text.
fn answer(request: &ExecutorRequest) -> String {
    format!("{TEXT_FORMAT} executor read: {}", request.payload.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn translate_json(from: &str, to: &str, body: &str) -> Value {
        let request = json!({"FromFormat": from, "ToFormat": to, "Model": "m", "Stream": false, "Body": b64_encode(body)});
        translate(&decode(request.to_string().as_bytes()).unwrap())
    }

    #[test]
    fn translates_openai_to_text_only() {
        let body = r#"{"messages":[{"role":"user","content":"hello"}]}"#;
        assert_eq!(
            translate_json("openai", "text-rust", body),
            json!({"Body": b64_encode("hello")})
        );
        assert_eq!(translate_json("claude", "claude", body), json!({}));
        assert_eq!(translate_json("openai", "openai", body), json!({}));
        assert_eq!(translate_json("openai", "text-rust", "{}"), json!({}));
    }

    #[test]
    fn executor_reads_the_text() {
        let request = json!({"Model": "text-model-rust", "Payload": b64_encode("hello")});
        let request: ExecutorRequest = decode(request.to_string().as_bytes()).unwrap();
        assert_eq!(answer(&request), "text-rust executor read: hello");
    }
}

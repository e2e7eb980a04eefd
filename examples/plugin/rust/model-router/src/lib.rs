//! `model-router-rust`: a model router (capability `model_router`) steered by the request
//! header `X-Example-Route`, plus a small executor `router-rust` that the `self` route
//! reaches (capability `executor`, scope `static`, `openai` in and out).
//!
//! Header values: `self`, `provider:<name>[:<model>]`, `executor:<plugin-id>`. Without the
//! header, or with anything else, the router makes no decision and the host routes as usual.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_EXECUTOR_EXECUTE, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, CLIPROXY_METHOD_MODEL_ROUTE,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{decode, ExecutorRequest, ModelRouteRequest};
use cliproxy_plugin::{export_plugin, openai, Capabilities, Plugin, PluginError, Registration};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "model-router-rust";
const EXECUTOR_ID: &str = "router-rust";
const COMPLETION_ID: &str = "chatcmpl-model-router-rust";
const ROUTE_HEADER: &str = "X-Example-Route";

#[derive(Default)]
pub struct ModelRouter;

impl Plugin for ModelRouter {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_EXECUTOR_IDENTIFIER => Ok(json!({ "identifier": EXECUTOR_ID })),
            CLIPROXY_METHOD_MODEL_ROUTE => {
                let request: ModelRouteRequest = decode(request)?;
                Ok(route(
                    request.headers.first(ROUTE_HEADER).unwrap_or_default(),
                ))
            }
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

export_plugin!(ModelRouter);

fn registration() -> Value {
    let capabilities = Capabilities {
        model_router: true,
        ..Capabilities::executor("static", &["openai"], &["openai"])
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// The `model.route` decision for one `X-Example-Route` value.
fn route(header: &str) -> Value {
    let header = header.trim();
    if header == "self" {
        return json!({ "Handled": true, "TargetKind": "self", "Reason": "header" });
    }
    if let Some(target) = header.strip_prefix("provider:") {
        // The model part may itself contain colons (`provider:p:m:tag`): split once.
        let (name, model) = target.split_once(':').unwrap_or((target, ""));
        if !name.is_empty() {
            return json!({
                "Handled": true, "TargetKind": "provider", "Target": name,
                "TargetModel": model, "Reason": "header"
            });
        }
    }
    if let Some(plugin_id) = header.strip_prefix("executor:").filter(|id| !id.is_empty()) {
        return json!({ "Handled": true, "TargetKind": "executor", "Target": plugin_id, "Reason": "header" });
    }
    json!({ "Handled": false })
}

/// What the `self` executor says: the model it was asked for and the last message.
fn answer(request: &ExecutorRequest) -> String {
    let text = openai::last_message_text(&request.payload).unwrap_or_default();
    format!("{EXECUTOR_ID} executor answered {}: {text}", request.model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_header() {
        assert_eq!(
            route(" self "),
            json!({"Handled": true, "TargetKind": "self", "Reason": "header"})
        );
        assert_eq!(
            route("provider:codex"),
            json!({"Handled": true, "TargetKind": "provider", "Target": "codex", "TargetModel": "", "Reason": "header"})
        );
        assert_eq!(
            route("provider:codex:gpt-5:mini")["TargetModel"],
            "gpt-5:mini"
        );
        assert_eq!(
            route("executor:executor-rust"),
            json!({"Handled": true, "TargetKind": "executor", "Target": "executor-rust", "Reason": "header"})
        );
        for declined in ["", "other", "provider:", "executor:", "SELF"] {
            assert_eq!(route(declined), json!({"Handled": false}), "{declined:?}");
        }
    }

    #[test]
    fn route_reads_the_header() {
        let request = json!({"Headers": {"X-Example-Route": ["self"]}, "Body": null}).to_string();
        let decision = ModelRouter
            .handle(CLIPROXY_METHOD_MODEL_ROUTE, request.as_bytes())
            .unwrap();
        assert_eq!(decision["TargetKind"], "self");
        let none = ModelRouter
            .handle(CLIPROXY_METHOD_MODEL_ROUTE, br#"{"Headers":null}"#)
            .unwrap();
        assert_eq!(none, json!({"Handled": false}));
    }

    #[test]
    fn executor_answers_with_model_and_text() {
        let payload =
            cliproxy_plugin::b64_encode(r#"{"messages":[{"role":"user","content":"hi"}]}"#);
        let request: ExecutorRequest = decode(
            json!({"Model": "m", "Payload": payload})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(answer(&request), "router-rust executor answered m: hi");
    }
}

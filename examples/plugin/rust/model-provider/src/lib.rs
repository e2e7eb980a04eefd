//! `model-provider-rust`: a model provider for the provider `echo-rust`
//! (capability `model_provider`).
//!
//! * `model.static` announces the model `static-rust`;
//! * `model.for_auth` gives an `echo-rust` credential the models listed in its file's
//!   `models` key (a JSON array of strings, or a comma-separated string), and answers "not
//!   mine" (empty provider) for credentials of any other provider.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_MODEL_FOR_AUTH, CLIPROXY_METHOD_MODEL_STATIC,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{decode, AuthModelRequest, ModelInfo, ModelResponse};
use cliproxy_plugin::{
    export_plugin, reply, split_list, Capabilities, Plugin, PluginError, Registration,
};
use serde_json::Value;

const PLUGIN_NAME: &str = "model-provider-rust";
const PROVIDER: &str = "echo-rust";
const STATIC_MODEL: &str = "static-rust";

#[derive(Default)]
pub struct ModelProvider;

impl Plugin for ModelProvider {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_MODEL_STATIC => reply(&ModelResponse::new(
                PROVIDER,
                vec![ModelInfo::new(STATIC_MODEL, PLUGIN_NAME)],
            )),
            CLIPROXY_METHOD_MODEL_FOR_AUTH => models_for_auth(&decode(request)?),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ModelProvider);

fn registration() -> Value {
    let capabilities = Capabilities {
        model_provider: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// `model.for_auth`: the credential's own model list, for `echo-rust` credentials only.
fn models_for_auth(request: &AuthModelRequest) -> Result<Value, PluginError> {
    if request.auth_provider != PROVIDER {
        return reply(&ModelResponse::not_mine());
    }
    let models = credential_models(request.metadata.get("models"))
        .into_iter()
        .map(|id| ModelInfo::new(id, PLUGIN_NAME))
        .collect();
    reply(&ModelResponse::new(PROVIDER, models))
}

/// The credential file's `models`: an array of strings (other entries skipped) or a
/// comma-separated string; anything else lists no models.
fn credential_models(models: Option<&Value>) -> Vec<String> {
    match models {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(String::from)
            .collect(),
        Some(Value::String(list)) => split_list(list),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn for_auth(request: Value) -> Value {
        ModelProvider
            .handle(
                CLIPROXY_METHOD_MODEL_FOR_AUTH,
                request.to_string().as_bytes(),
            )
            .unwrap()
    }

    #[test]
    fn lists_the_credential_models() {
        let models = |list: Value| {
            for_auth(
                json!({"AuthID": "a.json", "AuthProvider": "echo-rust", "Metadata": {"models": list}}),
            )
        };
        let expected = json!({"Provider": "echo-rust", "Models": [
            {"ID":"m1","Object":"model","OwnedBy":"model-provider-rust"},
            {"ID":"m2","Object":"model","OwnedBy":"model-provider-rust"}
        ]});
        assert_eq!(models(json!(["m1", 7, "m2"])), expected);
        assert_eq!(models(json!("m1, m2")), expected);
        assert_eq!(models(json!(null))["Models"], json!([]));
    }

    #[test]
    fn other_providers_are_not_mine() {
        assert_eq!(
            for_auth(json!({"AuthProvider": "codex", "Metadata": null})),
            json!({"Provider": "", "Models": []})
        );
    }
}

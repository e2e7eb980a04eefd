//! `model-registrar-rust`: announces models for the provider `echo-rust` through
//! `model.register` (capability `model_registrar`). It has no executor, so the host serves
//! these models with whichever executor owns `echo-rust` (the `executor` example).
//!
//! Config: `models`, comma-separated model IDs (default `registered-rust`).

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_MODEL_REGISTER, CLIPROXY_METHOD_PLUGIN_RECONFIGURE,
    CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{ModelInfo, ModelResponse};
use cliproxy_plugin::{
    export_plugin, reply, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::Value;

const PLUGIN_NAME: &str = "model-registrar-rust";
const PROVIDER: &str = "echo-rust";
const DEFAULT_MODELS: &str = "registered-rust";

pub struct ModelRegistrar {
    /// Config key `models`, replaced on every register/reconfigure.
    models: Shared<Vec<String>>,
}

impl Default for ModelRegistrar {
    fn default() -> Self {
        ModelRegistrar {
            models: Shared::new(configured_models(&Config::default())),
        }
    }
}

impl ModelRegistrar {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.models.set(configured_models(&config));
        let capabilities = Capabilities {
            model_registrar: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "models",
                "string",
                "Comma-separated model IDs to register for echo-rust.",
            )
            .to_value())
    }

    /// `model.register`: one ModelInfo per configured ID.
    fn models(&self) -> Result<Value, PluginError> {
        let models = self.models.get().iter().map(|id| model_info(id)).collect();
        reply(&ModelResponse::new(PROVIDER, models))
    }
}

impl Plugin for ModelRegistrar {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_MODEL_REGISTER => self.models(),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ModelRegistrar);

fn configured_models(config: &Config) -> Vec<String> {
    config.list_or("models", DEFAULT_MODELS)
}

fn model_info(id: &str) -> ModelInfo {
    ModelInfo {
        created: Some(1_700_000_000),
        kind: Some("openai".into()),
        display_name: Some(id.into()),
        ..ModelInfo::new(id, PLUGIN_NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registers_configured_models() {
        let plugin = ModelRegistrar::default();
        assert_eq!(
            plugin.models().unwrap()["Models"][0]["ID"],
            "registered-rust",
            "default before any register"
        );
        let yaml = cliproxy_plugin::b64_encode("models: \"a, b\"\n");
        let register = json!({ "config_yaml": yaml, "schema_version": 3 }).to_string();
        plugin
            .handle(CLIPROXY_METHOD_PLUGIN_REGISTER, register.as_bytes())
            .unwrap();
        assert_eq!(
            plugin
                .handle(CLIPROXY_METHOD_MODEL_REGISTER, b"{}")
                .unwrap(),
            json!({"Provider": "echo-rust", "Models": [
                {"ID":"a","Object":"model","Created":1700000000,"OwnedBy":"model-registrar-rust","Type":"openai","DisplayName":"a"},
                {"ID":"b","Object":"model","Created":1700000000,"OwnedBy":"model-registrar-rust","Type":"openai","DisplayName":"b"}
            ]})
        );
    }
}

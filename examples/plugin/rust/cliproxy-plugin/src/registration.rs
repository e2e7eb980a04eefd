//! The `plugin.register` / `plugin.reconfigure` reply: schema version, metadata and
//! capability flags (spec 01 §3.5).

use serde::Serialize;
use serde_json::Value;

/// RPC schema version the Rust examples answer (the C examples answer 1, the Go ones 3).
pub const EXAMPLE_SCHEMA_VERSION: u32 = 2;
/// `Version` of every example.
pub const EXAMPLE_VERSION: &str = "0.1.0";
/// `Author` of every example.
pub const EXAMPLE_AUTHOR: &str = "cliproxy examples";
/// `GitHubRepository` of every example (the host requires it to be non-blank).
pub const EXAMPLE_REPOSITORY: &str = "https://github.com/cliproxy/cliproxy";

/// The registration reply. Serialises as
/// `{"schema_version":N,"metadata":{...},"capabilities":{...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub schema_version: u32,
    pub metadata: Metadata,
    pub capabilities: Capabilities,
}

impl Registration {
    /// The registration of an example plugin called `name` (`<capability>-rust`):
    /// [`EXAMPLE_SCHEMA_VERSION`], [`EXAMPLE_VERSION`], [`EXAMPLE_AUTHOR`], no config fields.
    pub fn example(name: &str, capabilities: Capabilities) -> Self {
        Registration {
            schema_version: EXAMPLE_SCHEMA_VERSION,
            metadata: Metadata {
                name: name.into(),
                version: EXAMPLE_VERSION.into(),
                author: EXAMPLE_AUTHOR.into(),
                github_repository: EXAMPLE_REPOSITORY.into(),
                logo: String::new(),
                config_fields: Vec::new(),
            },
            capabilities,
        }
    }

    /// Documents one config key for the management UI (`kind`: `string`, `boolean`, ...).
    pub fn config_field(mut self, name: &str, kind: &str, description: &str) -> Self {
        self.metadata.config_fields.push(ConfigField {
            name: name.into(),
            kind: kind.into(),
            enum_values: None,
            description: description.into(),
        });
        self
    }

    /// The reply as the `result` of an envelope.
    pub fn to_value(&self) -> Value {
        // A struct of strings, bools and lists always serialises.
        serde_json::to_value(self).expect("serialize registration")
    }
}

/// Plugin metadata. `Name`, `Version`, `Author` and `GitHubRepository` must be non-blank or
/// the host leaves the plugin inactive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metadata {
    pub name: String,
    pub version: String,
    pub author: String,
    #[serde(rename = "GitHubRepository")]
    pub github_repository: String,
    pub logo: String,
    pub config_fields: Vec<ConfigField>,
}

/// One documented config key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigField {
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub enum_values: Option<Vec<String>>,
    pub description: String,
}

/// Which methods the host will send. Every flag is left out of the JSON when unset, so the
/// reply lists only what the plugin declares; at least one boolean must be true. Build
/// with struct-update syntax: `Capabilities { scheduler: true, ..Default::default() }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    #[serde(skip_serializing_if = "is_false")]
    pub model_registrar: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub model_provider: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub auth_provider: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub frontend_auth_provider: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub frontend_auth_provider_exclusive: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub scheduler: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub model_router: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub executor: bool,
    /// `static`, `oauth` or `both` (empty: both).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub executor_model_scope: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub executor_input_formats: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub executor_output_formats: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub request_translator: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub request_normalizer: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub request_interceptor: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub request_lifecycle_plugin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub response_translator: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub response_before_translator: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub response_after_translator: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub response_interceptor: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub response_stream_interceptor: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub thinking_applier: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub usage_plugin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub command_line_plugin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub management_api: bool,
}

impl Capabilities {
    /// An executor with the given scope that takes `input` and answers in `output`.
    pub fn executor(scope: &str, input: &[&str], output: &[&str]) -> Self {
        Capabilities {
            executor: true,
            executor_model_scope: scope.into(),
            executor_input_formats: input.iter().map(|f| f.to_string()).collect(),
            executor_output_formats: output.iter().map(|f| f.to_string()).collect(),
            ..Capabilities::default()
        }
    }
}

fn is_false(flag: &bool) -> bool {
    !flag
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn example_registration_shape() {
        let caps = Capabilities {
            model_router: true,
            ..Capabilities::executor("static", &["openai"], &["openai"])
        };
        let reg = Registration::example("x-rust", caps).config_field("mode", "string", "How.");
        assert_eq!(
            reg.to_value(),
            json!({
                "schema_version": 2,
                "metadata": {
                    "Name": "x-rust", "Version": "0.1.0", "Author": "cliproxy examples",
                    "GitHubRepository": "https://github.com/cliproxy/cliproxy", "Logo": "",
                    "ConfigFields": [{"Name":"mode","Type":"string","EnumValues":null,"Description":"How."}]
                },
                "capabilities": {
                    "model_router": true, "executor": true, "executor_model_scope": "static",
                    "executor_input_formats": ["openai"], "executor_output_formats": ["openai"]
                }
            })
        );
    }

    #[test]
    fn unset_capabilities_are_left_out() {
        let caps = Capabilities {
            usage_plugin: true,
            ..Capabilities::default()
        };
        assert_eq!(
            serde_json::to_string(&caps).unwrap(),
            r#"{"usage_plugin":true}"#
        );
    }
}

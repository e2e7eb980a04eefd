//! `usage-rust`: a usage plugin (capability `usage_plugin`) that appends one JSON line per
//! usage record (provider, model, API key, credential, tokens, latency, failure) to a file.
//!
//! Config: `file`, the path of the JSON Lines file (nothing is written when unset).

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_USAGE_HANDLE,
};
use cliproxy_plugin::types::{decode, UsageRecord};
use cliproxy_plugin::{
    append_json_line, export_plugin, Capabilities, Config, Plugin, PluginError, Registration,
    Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "usage-rust";

#[derive(Default)]
pub struct Usage {
    /// Config key `file`, replaced on every register/reconfigure.
    file: Shared<Option<String>>,
}

impl Plugin for Usage {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_USAGE_HANDLE => self.record(&decode(request)?),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(Usage);

impl Usage {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.file.set(config.get("file"));
        let capabilities = Capabilities {
            usage_plugin: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "file",
                "string",
                "JSON Lines file that gets one record per usage report.",
            )
            .to_value())
    }

    /// `usage.handle`: the host ignores the reply; a failed write comes back as an error
    /// so that it shows up in the host's log.
    fn record(&self, usage: &UsageRecord) -> Result<Value, PluginError> {
        if let Some(file) = self.file.get().as_deref() {
            append_json_line(file, &line(usage))
                .map_err(|err| PluginError::internal(format!("append to {file}: {err}")))?;
        }
        Ok(json!({}))
    }
}

fn line(usage: &UsageRecord) -> Value {
    json!({
        "plugin": PLUGIN_NAME,
        "provider": usage.provider,
        "model": usage.model,
        "api_key": usage.api_key,
        "auth_id": usage.auth_id,
        "failed": usage.failed,
        "input_tokens": usage.detail.input_tokens,
        "output_tokens": usage.detail.output_tokens,
        "total_tokens": usage.detail.total_tokens,
        "latency_ns": usage.latency
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_one_line_per_record() {
        let path = std::env::temp_dir().join(format!("usage-rust-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let plugin = Usage::default();
        let yaml = cliproxy_plugin::b64_encode(format!("file: \"{}\"\n", path.display()));
        let register = json!({"config_yaml": yaml}).to_string();
        plugin
            .handle(CLIPROXY_METHOD_PLUGIN_REGISTER, register.as_bytes())
            .unwrap();
        let record = br#"{"Provider":"p","Model":"m","APIKey":"k","AuthID":"a","Failed":true,
            "Latency":1500,"Detail":{"InputTokens":1,"OutputTokens":2,"TotalTokens":3},"ResponseHeaders":null}"#;
        assert_eq!(
            plugin.handle(CLIPROXY_METHOD_USAGE_HANDLE, record).unwrap(),
            json!({})
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            text,
            "{\"plugin\":\"usage-rust\",\"provider\":\"p\",\"model\":\"m\",\"api_key\":\"k\",\"auth_id\":\"a\",\"failed\":true,\"input_tokens\":1,\"output_tokens\":2,\"total_tokens\":3,\"latency_ns\":1500}\n"
        );
    }
}

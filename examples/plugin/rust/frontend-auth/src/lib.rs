//! `frontend-auth-rust`: a frontend auth provider (capability `frontend_auth_provider`)
//! that accepts clients whose `X-Example-Frontend-Auth` header is one of the configured
//! tokens, as principal `user-<token>`. It never rejects: an unknown token is "not mine",
//! and the host asks the next provider.
//!
//! Config: `tokens` (comma-separated, default `secret-rust`); `exclusive: true` also
//! declares `frontend_auth_provider_exclusive`, making this the only provider.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE, CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{decode, FrontendAuthRequest};
use cliproxy_plugin::{
    export_plugin, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "frontend-auth-rust";
const IDENTIFIER: &str = "example-rust";
const TOKEN_HEADER: &str = "X-Example-Frontend-Auth";
const DEFAULT_TOKENS: &str = "secret-rust";

pub struct FrontendAuth {
    /// Config key `tokens`, replaced on every register/reconfigure.
    tokens: Shared<Vec<String>>,
}

impl Default for FrontendAuth {
    fn default() -> Self {
        FrontendAuth {
            tokens: Shared::new(configured_tokens(&Config::default())),
        }
    }
}

impl Plugin for FrontendAuth {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_FRONTEND_AUTH_IDENTIFIER => Ok(json!({ "identifier": IDENTIFIER })),
            CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE => Ok(self.authenticate(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(FrontendAuth);

impl FrontendAuth {
    /// Capabilities depend on the config here: `exclusive` is a registration flag.
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.tokens.set(configured_tokens(&config));
        let capabilities = Capabilities {
            frontend_auth_provider: true,
            frontend_auth_provider_exclusive: config.flag("exclusive"),
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "tokens",
                "string",
                "Comma-separated accepted X-Example-Frontend-Auth tokens.",
            )
            .config_field(
                "exclusive",
                "boolean",
                "Be the only frontend auth provider.",
            )
            .to_value())
    }

    fn authenticate(&self, request: &FrontendAuthRequest) -> Value {
        let accepted = request
            .headers
            .first(TOKEN_HEADER)
            .filter(|token| self.tokens.get().iter().any(|known| known == token));
        match accepted {
            Some(token) => json!({
                "Authenticated": true,
                "Principal": format!("user-{token}"),
                "Metadata": { "plugin": PLUGIN_NAME }
            }),
            None => json!({ "Authenticated": false }),
        }
    }
}

fn configured_tokens(config: &Config) -> Vec<String> {
    config.list_or("tokens", DEFAULT_TOKENS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn register(plugin: &FrontendAuth, yaml: &str) -> Value {
        let request = json!({ "config_yaml": b64_encode(yaml), "schema_version": 3 }).to_string();
        plugin
            .handle(CLIPROXY_METHOD_PLUGIN_REGISTER, request.as_bytes())
            .unwrap()
    }

    fn authenticate(plugin: &FrontendAuth, token: Option<&str>) -> Value {
        let headers = token.map_or(json!(null), |t| json!({ TOKEN_HEADER: [t] }));
        let request =
            json!({ "Method": "POST", "Path": "/v1/chat/completions", "Headers": headers });
        plugin
            .handle(
                CLIPROXY_METHOD_FRONTEND_AUTH_AUTHENTICATE,
                request.to_string().as_bytes(),
            )
            .unwrap()
    }

    #[test]
    fn accepts_configured_tokens_only() {
        let plugin = FrontendAuth::default();
        assert_eq!(
            authenticate(&plugin, Some("secret-rust")),
            json!({"Authenticated": true, "Principal": "user-secret-rust", "Metadata": {"plugin": "frontend-auth-rust"}})
        );
        assert_eq!(authenticate(&plugin, None), json!({"Authenticated": false}));
        register(&plugin, "tokens: \"a, b\"\n");
        assert_eq!(authenticate(&plugin, Some("b"))["Principal"], "user-b");
        assert_eq!(
            authenticate(&plugin, Some("secret-rust")),
            json!({"Authenticated": false})
        );
    }

    #[test]
    fn exclusive_follows_the_config() {
        let plugin = FrontendAuth::default();
        let caps = |yaml| register(&plugin, yaml)["capabilities"].clone();
        assert_eq!(
            caps("exclusive: true\n"),
            json!({"frontend_auth_provider": true, "frontend_auth_provider_exclusive": true})
        );
        assert_eq!(
            caps("enabled: true\n"),
            json!({"frontend_auth_provider": true})
        );
    }
}

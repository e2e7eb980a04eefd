//! `request-interceptor-rust`: a request interceptor (capability `request_interceptor`).
//!
//! * Before auth: a request whose body contains config `block` (default
//!   `forbidden-rust`) is answered right away with a 403 JSON error and never reaches a
//!   provider; any other request gets the header `X-Intercepted-By: rust`.
//! * After auth: sets `X-Intercepted-After: rust` and removes the header named by config
//!   `clear-header` (default `X-Debug`).

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER, CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE,
};
use cliproxy_plugin::types::{decode, Bytes, RequestInterceptRequest};
use cliproxy_plugin::{
    contains_bytes, export_plugin, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "request-interceptor-rust";

/// Config, replaced as a whole on every register/reconfigure.
struct Settings {
    /// Body substring that terminates a request (`block`).
    block: String,
    /// Header removed after auth (`clear-header`).
    clear_header: String,
}

impl Settings {
    fn from_config(config: &Config) -> Self {
        Settings {
            block: config.get_or("block", "forbidden-rust"),
            clear_header: config.get_or("clear-header", "X-Debug"),
        }
    }
}

pub struct RequestInterceptor {
    settings: Shared<Settings>,
}

impl Default for RequestInterceptor {
    fn default() -> Self {
        RequestInterceptor {
            settings: Shared::new(Settings::from_config(&Config::default())),
        }
    }
}

impl Plugin for RequestInterceptor {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE => Ok(self.before_auth(&decode(request)?)),
            CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER => Ok(self.after_auth()),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(RequestInterceptor);

impl RequestInterceptor {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.settings.set(Settings::from_config(&config));
        let capabilities = Capabilities {
            request_interceptor: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "block",
                "string",
                "Requests whose body contains this text are refused.",
            )
            .config_field("clear-header", "string", "Header removed after auth.")
            .to_value())
    }

    fn before_auth(&self, request: &RequestInterceptRequest) -> Value {
        if contains_bytes(&request.body, self.settings.get().block.as_bytes()) {
            return blocked();
        }
        json!({ "Headers": { "X-Intercepted-By": ["rust"] } })
    }

    fn after_auth(&self) -> Value {
        json!({
            "Headers": { "X-Intercepted-After": ["rust"] },
            "ClearHeaders": [self.settings.get().clear_header]
        })
    }
}

/// Terminates the request: the client gets this 403 response instead of a completion.
fn blocked() -> Value {
    let body = json!({
        "error": {
            "message": format!("blocked by {PLUGIN_NAME}"),
            "type": "invalid_request_error",
            "code": "blocked"
        }
    });
    json!({
        "Terminate": true,
        "StatusCode": 403,
        "ResponseHeaders": {
            "Content-Type": ["application/json"],
            "X-Blocked-By": [PLUGIN_NAME]
        },
        "ResponseBody": Bytes::from(body.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn before(plugin: &RequestInterceptor, body: &str) -> Value {
        let request = json!({"RequestID": "r", "Body": b64_encode(body)}).to_string();
        plugin
            .handle(CLIPROXY_METHOD_REQUEST_INTERCEPT_BEFORE, request.as_bytes())
            .unwrap()
    }

    #[test]
    fn blocks_bodies_with_the_word() {
        let plugin = RequestInterceptor::default();
        let reply = before(
            &plugin,
            r#"{"messages":[{"content":"say forbidden-rust"}]}"#,
        );
        assert_eq!(reply["Terminate"], true);
        assert_eq!(reply["StatusCode"], 403);
        assert_eq!(
            reply["ResponseHeaders"]["X-Blocked-By"],
            json!(["request-interceptor-rust"])
        );
        assert_eq!(
            reply["ResponseBody"],
            b64_encode(
                r#"{"error":{"message":"blocked by request-interceptor-rust","type":"invalid_request_error","code":"blocked"}}"#
            )
        );
        assert_eq!(
            before(&plugin, r#"{"messages":[]}"#),
            json!({"Headers": {"X-Intercepted-By": ["rust"]}})
        );
    }

    #[test]
    fn after_auth_follows_the_config() {
        let plugin = RequestInterceptor::default();
        assert_eq!(
            plugin
                .handle(CLIPROXY_METHOD_REQUEST_INTERCEPT_AFTER, b"{}")
                .unwrap(),
            json!({"Headers": {"X-Intercepted-After": ["rust"]}, "ClearHeaders": ["X-Debug"]})
        );
        let register =
            json!({"config_yaml": b64_encode("clear-header: X-Trace\nblock: nope\n")}).to_string();
        plugin
            .handle(CLIPROXY_METHOD_PLUGIN_REGISTER, register.as_bytes())
            .unwrap();
        assert_eq!(plugin.after_auth()["ClearHeaders"], json!(["X-Trace"]));
        assert_eq!(before(&plugin, "nope")["Terminate"], true);
        assert!(before(&plugin, "forbidden-rust").get("Terminate").is_none());
    }
}

//! `management-rust`: management API routes and a status page (capability
//! `management_api`).
//!
//! * `GET /v0/management/example-rust/status`: the number of handled calls, as JSON;
//! * `POST /v0/management/example-rust/echo`: echoes the request body;
//! * resource `GET /v0/resource/plugins/<id>/status`: an HTML status page (resources are
//!   served without management authentication).

use std::sync::atomic::{AtomicU64, Ordering};

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_MANAGEMENT_HANDLE, CLIPROXY_METHOD_MANAGEMENT_REGISTER,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{decode, Bytes, ManagementHandleRequest, ManagementRegisterRequest};
use cliproxy_plugin::{export_plugin, Capabilities, Plugin, PluginError, Registration, Shared};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "management-rust";
/// Routes as registered (relative: the host puts them under `/v0/management`) and as
/// requested (`Path` is the full request path).
const STATUS_ROUTE: &str = "/example-rust/status";
const ECHO_ROUTE: &str = "/example-rust/echo";
const STATUS_PATH: &str = "/v0/management/example-rust/status";
const ECHO_PATH: &str = "/v0/management/example-rust/echo";
/// The status page, relative to the plugin's resource base path.
const STATUS_RESOURCE: &str = "/status";

#[derive(Default)]
pub struct Management {
    /// `ResourceBasePath` of the last `management.register` (empty before it).
    resource_base: Shared<String>,
    /// `management.handle` calls so far.
    calls: AtomicU64,
}

impl Plugin for Management {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_MANAGEMENT_REGISTER => Ok(self.routes(&decode(request)?)),
            CLIPROXY_METHOD_MANAGEMENT_HANDLE => Ok(self.serve(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(Management);

fn registration() -> Value {
    let capabilities = Capabilities {
        management_api: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

impl Management {
    /// `management.register`: the routes and the resource; remembers where the host
    /// mounts resources so that `serve` recognises the status page.
    fn routes(&self, request: &ManagementRegisterRequest) -> Value {
        self.resource_base.set(request.resource_base_path.clone());
        json!({
            "routes": [
                { "Method": "GET", "Path": STATUS_ROUTE, "Description": "call count as JSON" },
                { "Method": "POST", "Path": ECHO_ROUTE, "Description": "echoes the JSON body" }
            ],
            "resources": [
                { "Path": STATUS_RESOURCE, "Menu": "Example (rust)", "Description": "status page" }
            ]
        })
    }

    /// `management.handle`: one RPC for every route, dispatched on method and full path.
    fn serve(&self, request: &ManagementHandleRequest) -> Value {
        let calls = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", STATUS_PATH) => {
                let body = json!({ "plugin": PLUGIN_NAME, "calls": calls });
                response(200, "application/json", body.to_string().into_bytes())
            }
            ("POST", ECHO_PATH) => response(200, "application/json", request.body.to_vec()),
            ("GET", path) if self.is_status_page(path) => {
                let page = format!(
                    "<!doctype html><title>{PLUGIN_NAME}</title><h1>{PLUGIN_NAME}</h1><p>calls: {calls}</p>"
                );
                response(200, "text/html; charset=utf-8", page.into_bytes())
            }
            _ => response(
                404,
                "application/json",
                br#"{"error":"not found"}"#.to_vec(),
            ),
        }
    }

    fn is_status_page(&self, path: &str) -> bool {
        let base = self.resource_base.get();
        !base.is_empty()
            && path
                .strip_prefix(base.trim_end_matches('/'))
                .is_some_and(|rest| rest == STATUS_RESOURCE)
    }
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> Value {
    json!({
        "StatusCode": status,
        "Headers": { "Content-Type": [content_type] },
        "Body": Bytes(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::{b64_decode, b64_encode};

    fn serve(
        plugin: &Management,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (i64, String, String) {
        let request = json!({"Method": method, "Path": path, "Headers": {}, "Query": null, "Body": body.map(b64_encode)});
        let reply = plugin.serve(&decode(request.to_string().as_bytes()).unwrap());
        let body = b64_decode(reply["Body"].as_str().unwrap()).unwrap();
        (
            reply["StatusCode"].as_i64().unwrap(),
            reply["Headers"]["Content-Type"][0]
                .as_str()
                .unwrap()
                .to_string(),
            String::from_utf8(body).unwrap(),
        )
    }

    #[test]
    fn routes_count_and_echo() {
        let plugin = Management::default();
        let routes = plugin.routes(&ManagementRegisterRequest {
            base_path: "/v0/management".into(),
            resource_base_path: "/v0/resource/plugins/management-rust".into(),
        });
        assert_eq!(routes["routes"][0]["Path"], "/example-rust/status");
        assert_eq!(routes["resources"][0]["Path"], "/status");

        assert_eq!(
            serve(&plugin, "GET", STATUS_PATH, None),
            (
                200,
                "application/json".into(),
                r#"{"plugin":"management-rust","calls":1}"#.into()
            )
        );
        assert_eq!(
            serve(&plugin, "POST", ECHO_PATH, Some(r#"{"a":[1]}"#)),
            (200, "application/json".into(), r#"{"a":[1]}"#.into())
        );
        assert_eq!(
            serve(&plugin, "GET", "/v0/resource/plugins/management-rust/status", None),
            (
                200,
                "text/html; charset=utf-8".into(),
                "<!doctype html><title>management-rust</title><h1>management-rust</h1><p>calls: 3</p>".into()
            )
        );
        assert_eq!(
            serve(&plugin, "POST", STATUS_PATH, None),
            (
                404,
                "application/json".into(),
                r#"{"error":"not found"}"#.into()
            )
        );
    }

    #[test]
    fn no_status_page_before_register() {
        let plugin = Management::default();
        assert_eq!(serve(&plugin, "GET", "/status", None).0, 404);
    }
}

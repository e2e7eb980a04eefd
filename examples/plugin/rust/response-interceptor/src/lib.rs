//! `response-interceptor-rust`: a response interceptor (capability `response_interceptor`)
//! for successful non-stream responses. It adds the header `X-Response-Intercepted: rust`
//! and, when the body is a JSON object, makes `"x_intercepted_by":"rust"` its first key.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER,
};
use cliproxy_plugin::types::{decode, Bytes, ResponseInterceptRequest};
use cliproxy_plugin::{
    export_plugin, insert_first_key, Capabilities, Plugin, PluginError, Registration,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "response-interceptor-rust";

#[derive(Default)]
pub struct ResponseInterceptor;

impl Plugin for ResponseInterceptor {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_RESPONSE_INTERCEPT_AFTER => Ok(intercept(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ResponseInterceptor);

fn registration() -> Value {
    let capabilities = Capabilities {
        response_interceptor: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// `response.intercept_after`: the header always; the body only when it is a JSON object
/// (an absent `Body` leaves the response body as it is).
fn intercept(request: &ResponseInterceptRequest) -> Value {
    let mut reply = json!({ "Headers": { "X-Response-Intercepted": ["rust"] } });
    if let Some(body) = insert_first_key(&request.body, "x_intercepted_by", &json!("rust")) {
        reply["Body"] = json!(Bytes(body));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn intercept_body(body: &str) -> Value {
        let request = json!({"StatusCode": 200, "Body": b64_encode(body)}).to_string();
        intercept(&decode(request.as_bytes()).unwrap())
    }

    #[test]
    fn marks_json_object_bodies() {
        assert_eq!(
            intercept_body(r#"{"id":"x"}"#),
            json!({
                "Headers": {"X-Response-Intercepted": ["rust"]},
                "Body": b64_encode(r#"{"x_intercepted_by":"rust","id":"x"}"#)
            })
        );
        assert_eq!(
            intercept_body("plain text"),
            json!({"Headers": {"X-Response-Intercepted": ["rust"]}})
        );
    }
}

//! `host-callback-rust`: a management resource page that calls back into the host
//! (capability `management_api`).
//!
//! `GET <ResourceBasePath>/callbacks` makes three host calls, in this order, with the
//! request's `host_callback_id`, and answers what each returned as JSON:
//!
//! 1. `host.log`: one info line, `host-callback-rust page requested` with `lang=rust`;
//! 2. `host.http.do`: `GET` config `url` (default `http://127.0.0.1:8317/healthz`);
//! 3. `host.model.execute`: a one-message OpenAI chat request to config `model` (default
//!    `example-echo-rust`), run through the proxy's own pipeline.
//!
//! The page is `{"log":"ok","http":{"status":..,"body":<first 200 bytes>},"model":{"content":..}}`;
//! a failed call shows `{"error":<message>}` in place of its entry. The calls are made
//! re-entrantly from inside `management.handle`, through the helper's [`Host`], which
//! returns every reply buffer to the host's `free_buffer`.

use cliproxy_plugin::abi::{
    CLIPROXY_HOST_HTTP_DO, CLIPROXY_HOST_LOG, CLIPROXY_HOST_MODEL_EXECUTE,
    CLIPROXY_METHOD_MANAGEMENT_HANDLE, CLIPROXY_METHOD_MANAGEMENT_REGISTER,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{
    decode, reply, Bytes, ManagementHandleRequest, ManagementRegisterRequest, ManagementResponse,
};
use cliproxy_plugin::{
    b64_decode, export_plugin, Capabilities, Config, Host, Plugin, PluginError, Registration,
    Shared,
};
use serde_json::{json, Value};

const LANG: &str = "rust";
const PLUGIN_NAME: &str = "host-callback-rust";
/// The page, relative to the plugin's resource base path.
const RESOURCE: &str = "/callbacks";
const DEFAULT_URL: &str = "http://127.0.0.1:8317/healthz";
const DEFAULT_MODEL: &str = "example-echo-rust";
/// Bytes of the fetched body shown on the page.
const HTTP_BODY_LIMIT: usize = 200;

/// The config, replaced as a whole on every register/reconfigure.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    /// Config key `url`: what `host.http.do` fetches.
    url: String,
    /// Config key `model`: what `host.model.execute` runs.
    model: String,
}

impl Settings {
    fn from_config(config: &Config) -> Self {
        Settings {
            url: config.get_or("url", DEFAULT_URL),
            model: config.get_or("model", DEFAULT_MODEL),
        }
    }
}

pub struct HostCallback {
    host: Host,
    settings: Shared<Settings>,
    /// `ResourceBasePath` of the last `management.register` (empty before it).
    resource_base: Shared<String>,
}

impl HostCallback {
    fn new(host: Host) -> Result<Self, PluginError> {
        Ok(HostCallback {
            host,
            settings: Shared::new(Settings::from_config(&Config::default())),
            resource_base: Shared::default(),
        })
    }
}

impl Plugin for HostCallback {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_MANAGEMENT_REGISTER => Ok(self.routes(&decode(request)?)),
            CLIPROXY_METHOD_MANAGEMENT_HANDLE => self.serve(&decode(request)?),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(HostCallback, HostCallback::new);

impl HostCallback {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.settings.set(Settings::from_config(&config));
        let capabilities = Capabilities {
            management_api: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field("url", "string", "URL fetched with host.http.do.")
            .config_field("model", "string", "Model run with host.model.execute.")
            .to_value())
    }

    /// `management.register`: no routes, one resource; remembers where the host mounts it.
    fn routes(&self, request: &ManagementRegisterRequest) -> Value {
        self.resource_base.set(request.resource_base_path.clone());
        json!({
            "routes": [],
            "resources": [{
                "Path": RESOURCE,
                "Menu": "Host callbacks (rust)",
                "Description": "calls host.log, host.http.do and host.model.execute"
            }]
        })
    }

    /// `management.handle`: the page for `GET <base>/callbacks`, 404 for anything else.
    fn serve(&self, request: &ManagementHandleRequest) -> Result<Value, PluginError> {
        if request.method != "GET"
            || request.resource_path(&self.resource_base.get()) != Some(RESOURCE)
        {
            return reply(&ManagementResponse::not_found());
        }
        let callback_id = request.host_callback_id.as_str();
        let settings = self.settings.get();
        let page = json!({
            "log": self.call_log(callback_id),
            "http": self.call_http(callback_id, &settings.url),
            "model": self.call_model(callback_id, &settings.model),
        });
        reply(&ManagementResponse::new(
            200,
            "application/json",
            page.to_string(),
        ))
    }

    /// Call 1, `host.log`; the page's `"log"` entry.
    fn call_log(&self, callback_id: &str) -> Value {
        let request = json!({
            "level": "info",
            "message": format!("{PLUGIN_NAME} page requested"),
            "fields": { "lang": LANG },
            "host_callback_id": callback_id
        });
        match self.host.call(CLIPROXY_HOST_LOG, &request) {
            Ok(_) => json!("ok"),
            Err(err) => error_entry(&err.message),
        }
    }

    /// Call 2, `host.http.do` GET `url`; the page's `"http"` entry: the status and the
    /// start of the body (the result's keys are PascalCase: `StatusCode`, `Headers`, `Body`).
    fn call_http(&self, callback_id: &str, url: &str) -> Value {
        let request = json!({
            "method": "GET",
            "url": url,
            "headers": { "User-Agent": [PLUGIN_NAME] },
            "host_callback_id": callback_id
        });
        let result = match self.host.call(CLIPROXY_HOST_HTTP_DO, &request) {
            Ok(result) => result,
            Err(err) => return error_entry(&err.message),
        };
        let Some(body) = bytes_field(&result, "Body") else {
            return error_entry("host.http.do answered a Body that is not base64");
        };
        let shown = &body[..body.len().min(HTTP_BODY_LIMIT)];
        json!({
            "status": result.get("StatusCode").and_then(Value::as_i64).unwrap_or(0),
            "body": text_lossy(shown)
        })
    }

    /// Call 3, `host.model.execute` of a one-message chat to `model`; the page's `"model"` entry.
    fn call_model(&self, callback_id: &str, model: &str) -> Value {
        let body = json!({
            "model": model,
            "messages": [{ "role": "user", "content": format!("hello from {PLUGIN_NAME}") }]
        });
        let request = json!({
            "entry_protocol": "openai",
            "exit_protocol": "openai",
            "model": model,
            "stream": false,
            "body": Bytes::from(body.to_string()),
            "host_callback_id": callback_id
        });
        let result = match self.host.call(CLIPROXY_HOST_MODEL_EXECUTE, &request) {
            Ok(result) => result,
            Err(err) => return error_entry(&err.message),
        };
        let Some(answer) = bytes_field(&result, "body") else {
            return error_entry("host.model.execute answered a body that is not base64");
        };
        match first_content(&answer) {
            Ok(content) => json!({ "content": content }),
            Err(message) => error_entry(message),
        }
    }
}

/// `choices[0].message.content` of an OpenAI chat completion (`""` when that message has no
/// string content), or why the body is not one.
fn first_content(body: &[u8]) -> Result<String, &'static str> {
    let completion = match serde_json::from_slice::<Value>(body) {
        Ok(completion @ Value::Object(_)) => completion,
        _ => return Err("model reply is not a chat completion"),
    };
    let Some(choice) = completion["choices"].get(0) else {
        return Err("model reply has no choices");
    };
    Ok(choice["message"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// `{"error":<message>}`: a failed call's entry on the page.
fn error_entry(message: &str) -> Value {
    json!({ "error": message })
}

/// A `[]byte` field of a host result: base64, with `null` or a missing key read as empty;
/// `None` when it is not valid base64.
fn bytes_field(result: &Value, key: &str) -> Option<Vec<u8>> {
    match result.get(key) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(text)) => b64_decode(text).ok(),
        Some(_) => None,
    }
}

/// `bytes` as text, every byte that is not part of valid UTF-8 replaced by U+FFFD, as Go's
/// encoding/json (and the C example) do: a fetched body need not be UTF-8, and its first
/// 200 bytes may end inside a character.
fn text_lossy(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(std::iter::repeat_n('\u{FFFD}', chunk.invalid().len()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::abi::{Buffer, HostApi};
    use cliproxy_plugin::b64_encode;
    use std::collections::HashSet;
    use std::ffi::{c_char, c_int, c_void, CStr};
    use std::sync::Mutex;

    const BASE: &str = "/v0/resource/plugins/host-callback-rust";

    /// A host whose callbacks answer canned envelopes and record their requests.
    struct FakeHost {
        /// `host.http.do` fails with this message when set.
        http_error: Option<&'static str>,
        calls: Mutex<Vec<(String, Value)>>,
        /// Every reply buffer handed out, to check that each came back to `fake_free`.
        replies: Mutex<Vec<usize>>,
    }

    /// Reply buffers of all fakes not yet released through `fake_free`.
    static OUTSTANDING: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

    impl FakeHost {
        fn new(http_error: Option<&'static str>) -> Self {
            FakeHost {
                http_error,
                calls: Mutex::new(Vec::new()),
                replies: Mutex::new(Vec::new()),
            }
        }

        /// The number of replies handed out; panics unless every one was freed.
        fn replies_all_freed(&self) -> usize {
            let outstanding = OUTSTANDING.lock().unwrap();
            let replies = self.replies.lock().unwrap();
            for ptr in replies.iter() {
                assert!(
                    !outstanding.as_ref().is_some_and(|set| set.contains(ptr)),
                    "reply not freed"
                );
            }
            replies.len()
        }

        /// A `Host` over this fake; `self` must outlive it.
        fn host(&self) -> Host {
            let api = HostApi {
                abi_version: 1,
                host_ctx: self as *const FakeHost as *mut c_void,
                call: Some(fake_call),
                free_buffer: Some(fake_free),
            };
            unsafe { Host::from_raw(&api) }.unwrap()
        }

        fn answer(&self, method: &str, request: &Value) -> String {
            match method {
                "host.log" => r#"{"ok":true,"result":{}}"#.into(),
                "host.http.do" => match self.http_error {
                    Some(message) => json!({"ok":false,"error":{"code":"host_call_failed","message":message}}).to_string(),
                    None => {
                        let mut body = br#"{"status":"ok"}"#.to_vec();
                        body.extend(std::iter::repeat_n(b'.', 184));
                        body.extend("é!".as_bytes()); // é straddles the 200-byte cut
                        json!({"ok":true,"result":{"StatusCode":200,"Headers":{"Content-Type":["application/json"]},"Body":b64_encode(body)}}).to_string()
                    }
                },
                "host.model.execute" => {
                    let body: Value =
                        serde_json::from_slice(&b64_decode(request["body"].as_str().unwrap()).unwrap()).unwrap();
                    let completion = json!({"choices":[{"index":0,"message":{"role":"assistant",
                        "content":format!("echo: {}", body["messages"][0]["content"].as_str().unwrap())}}]});
                    json!({"ok":true,"result":{"status_code":200,"headers":null,"body":b64_encode(completion.to_string())}}).to_string()
                }
                _ => json!({"ok":false,"error":{"code":"host_call_failed","message":format!("unsupported host callback {method}")}}).to_string(),
            }
        }
    }

    unsafe extern "C" fn fake_call(
        ctx: *mut c_void,
        method: *const c_char,
        request: *const u8,
        request_len: usize,
        response: *mut Buffer,
    ) -> c_int {
        let fake = &*(ctx as *const FakeHost);
        let method = CStr::from_ptr(method).to_str().unwrap().to_string();
        let request: Value =
            serde_json::from_slice(std::slice::from_raw_parts(request, request_len)).unwrap();
        let answer = fake
            .answer(&method, &request)
            .into_bytes()
            .into_boxed_slice();
        fake.calls.lock().unwrap().push((method, request));
        (*response).len = answer.len();
        (*response).ptr = Box::into_raw(answer) as *mut c_void;
        let ptr = (*response).ptr as usize;
        fake.replies.lock().unwrap().push(ptr);
        OUTSTANDING
            .lock()
            .unwrap()
            .get_or_insert_with(HashSet::new)
            .insert(ptr);
        0
    }

    unsafe extern "C" fn fake_free(ptr: *mut c_void, len: usize) {
        let known = OUTSTANDING
            .lock()
            .unwrap()
            .as_mut()
            .is_some_and(|set| set.remove(&(ptr as usize)));
        assert!(
            known,
            "free_buffer got a buffer the host did not hand out (or twice)"
        );
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            ptr as *mut u8,
            len,
        )));
    }

    fn plugin(fake: &FakeHost) -> HostCallback {
        let plugin = HostCallback::new(fake.host()).unwrap();
        plugin.routes(&ManagementRegisterRequest {
            base_path: "/v0/management".into(),
            resource_base_path: BASE.into(),
        });
        plugin
    }

    fn serve(plugin: &HostCallback, method: &str, path: &str) -> (i64, Value) {
        let request = json!({"Method": method, "Path": path, "Headers": {}, "Query": null,
                             "Body": null, "host_callback_id": "42"});
        let reply = plugin
            .serve(&decode(request.to_string().as_bytes()).unwrap())
            .unwrap();
        assert_eq!(reply["Headers"]["Content-Type"][0], "application/json");
        let body = b64_decode(reply["Body"].as_str().unwrap()).unwrap();
        (
            reply["StatusCode"].as_i64().unwrap(),
            serde_json::from_slice(&body).unwrap(),
        )
    }

    #[test]
    fn page_makes_three_calls_in_order() {
        let fake = FakeHost::new(None);
        let plugin = plugin(&fake);
        let (status, page) = serve(&plugin, "GET", &format!("{BASE}/callbacks"));
        assert_eq!(status, 200);
        let mut http_body = r#"{"status":"ok"}"#.to_string() + &".".repeat(184);
        http_body.push('\u{FFFD}');
        assert_eq!(
            page,
            json!({"log":"ok","http":{"status":200,"body":http_body},
                   "model":{"content":"echo: hello from host-callback-rust"}})
        );
        let text = serde_json::to_string(&page).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(
            at("log") < at("http") && at("http") < at("model"),
            "log, http, model in this order: {text}"
        );

        let calls = fake.calls.lock().unwrap();
        let methods: Vec<&str> = calls.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(methods, ["host.log", "host.http.do", "host.model.execute"]);
        assert_eq!(
            calls[0].1,
            json!({"level":"info","message":"host-callback-rust page requested",
                   "fields":{"lang":"rust"},"host_callback_id":"42"})
        );
        assert_eq!(
            calls[1].1,
            json!({"method":"GET","url":DEFAULT_URL,
                   "headers":{"User-Agent":["host-callback-rust"]},"host_callback_id":"42"})
        );
        let model = &calls[2].1;
        assert_eq!(
            (
                &model["entry_protocol"],
                &model["exit_protocol"],
                &model["model"],
                &model["stream"],
                &model["host_callback_id"]
            ),
            (
                &json!("openai"),
                &json!("openai"),
                &json!(DEFAULT_MODEL),
                &json!(false),
                &json!("42")
            )
        );
        assert_eq!(
            serde_json::from_slice::<Value>(&b64_decode(model["body"].as_str().unwrap()).unwrap())
                .unwrap(),
            json!({"model":DEFAULT_MODEL,"messages":[{"role":"user","content":"hello from host-callback-rust"}]})
        );
        drop(calls);
        assert_eq!(fake.replies_all_freed(), 3);
    }

    #[test]
    fn failed_calls_show_their_error_and_config_applies() {
        let fake = FakeHost::new(Some("unsupported host callback host.http.do"));
        let plugin = plugin(&fake);
        let yaml = "enabled: true\nurl: http://example.invalid/x\nmodel: other-model\n";
        plugin
            .register(format!(r#"{{"config_yaml":"{}"}}"#, b64_encode(yaml)).as_bytes())
            .unwrap();
        let (status, page) = serve(&plugin, "GET", &format!("{BASE}/callbacks"));
        assert_eq!(status, 200);
        assert_eq!(
            page,
            json!({"log":"ok","http":{"error":"unsupported host callback host.http.do"},
                   "model":{"content":"echo: hello from host-callback-rust"}})
        );
        let calls = fake.calls.lock().unwrap();
        assert_eq!(calls[1].1["url"], "http://example.invalid/x");
        assert_eq!(calls[2].1["model"], "other-model");
        drop(calls);
        assert_eq!(fake.replies_all_freed(), 3);
    }

    #[test]
    fn other_paths_are_not_found_and_make_no_calls() {
        let fake = FakeHost::new(None);
        let plugin = plugin(&fake);
        for (method, path) in [
            ("POST", format!("{BASE}/callbacks")),
            ("GET", format!("{BASE}/status")),
            ("GET", "/callbacks".to_string()),
        ] {
            assert_eq!(
                serve(&plugin, method, &path),
                (404, json!({"error":"not found"}))
            );
        }
        let unregistered = HostCallback::new(fake.host()).unwrap();
        assert_eq!(serve(&unregistered, "GET", "/callbacks").0, 404);
        assert!(fake.calls.lock().unwrap().is_empty());
    }

    #[test]
    fn registration_and_resources() {
        let fake = FakeHost::new(None);
        let plugin = HostCallback::new(fake.host()).unwrap();
        let registration = plugin.register(br#"{"config_yaml":null}"#).unwrap();
        assert_eq!(registration["schema_version"], 2);
        assert_eq!(registration["metadata"]["Name"], PLUGIN_NAME);
        assert_eq!(registration["capabilities"]["management_api"], true);
        assert_eq!(
            plugin.routes(&ManagementRegisterRequest::default()),
            json!({"routes":[],"resources":[{"Path":"/callbacks","Menu":"Host callbacks (rust)",
                   "Description":"calls host.log, host.http.do and host.model.execute"}]})
        );
    }

    #[test]
    fn first_content_of_completions() {
        let content = |body: &str| first_content(body.as_bytes());
        assert_eq!(
            content(r#"{"choices":[{"message":{"content":"hi"}}]}"#),
            Ok("hi".into())
        );
        assert_eq!(
            content(r#"{"choices":[{"message":{"content":null}}]}"#),
            Ok("".into())
        );
        assert_eq!(
            content(r#"{"choices":[]}"#),
            Err("model reply has no choices")
        );
        assert_eq!(content("[]"), Err("model reply is not a chat completion"));
        assert_eq!(content("nope"), Err("model reply is not a chat completion"));
    }

    #[test]
    fn lossy_text_replaces_each_bad_byte() {
        assert_eq!(text_lossy(b"ok"), "ok");
        assert_eq!(text_lossy("é".as_bytes()), "é");
        assert_eq!(text_lossy(b"a\xC3"), "a\u{FFFD}");
        assert_eq!(text_lossy(b"\xE2\x82x"), "\u{FFFD}\u{FFFD}x");
        assert_eq!(text_lossy(b"\xFF\xFE"), "\u{FFFD}\u{FFFD}");
    }
}

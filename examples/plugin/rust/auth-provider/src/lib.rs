//! `auth-provider-rust`: credentials of type `token-rust`, and the executor that uses them
//! (capabilities `auth_provider`, `model_provider`, `executor` with scope `oauth`).
//!
//! * `auth.parse` accepts credential files whose `"type"` is `token-rust`;
//! * `auth.login.start` / `auth.login.poll` run a browser login through the proxy's OAuth
//!   callback: start hands out an authorize URL with a fresh state, poll picks up the file
//!   the callback wrote into the auth directory;
//! * `auth.refresh` mints a new access token (`refreshed-rust-<n>`) valid for one hour;
//! * `model.for_auth` gives every `token-rust` credential the model `token-model-rust`,
//!   whose executor answers with the access token it was given and fails with 401 when the
//!   token is `expired` (so the host refreshes and retries).
//!
//! Config: `authorize-url` (default `https://login.example.invalid/authorize`).

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::BuildHasher;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_AUTH_IDENTIFIER, CLIPROXY_METHOD_AUTH_LOGIN_POLL,
    CLIPROXY_METHOD_AUTH_LOGIN_START, CLIPROXY_METHOD_AUTH_PARSE, CLIPROXY_METHOD_AUTH_REFRESH,
    CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS, CLIPROXY_METHOD_EXECUTOR_EXECUTE,
    CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM, CLIPROXY_METHOD_EXECUTOR_IDENTIFIER,
    CLIPROXY_METHOD_MODEL_FOR_AUTH, CLIPROXY_METHOD_MODEL_STATIC,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{
    decode, AuthModelRequest, AuthParseRequest, AuthRefreshRequest, ExecutorRequest,
    LoginPollRequest, LoginStartRequest, ModelInfo, ModelResponse,
};
use cliproxy_plugin::{
    b64_encode, export_plugin, openai, reply, rfc3339_utc, Capabilities, Config, Plugin,
    PluginError, Registration, Shared,
};
use serde_json::{json, Map, Value};

const PLUGIN_NAME: &str = "auth-provider-rust";
/// Auth identifier, executor identifier and credential `"type"`.
const PROVIDER: &str = "token-rust";
const MODEL: &str = "token-model-rust";
const COMPLETION_ID: &str = "chatcmpl-auth-provider-rust";
const DEFAULT_AUTHORIZE_URL: &str = "https://login.example.invalid/authorize";
/// How long a refreshed access token lives before the host should refresh again.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Refreshes so far in this process: the n in `refreshed-rust-<n>`. Process-wide, as the
/// examples' spec asks, so it keeps counting across reloads of the library.
static REFRESHES: AtomicU64 = AtomicU64::new(0);

pub struct AuthProvider {
    /// Config key `authorize-url`, replaced on every register/reconfigure.
    authorize_url: Shared<String>,
}

impl Default for AuthProvider {
    fn default() -> Self {
        AuthProvider {
            authorize_url: Shared::new(DEFAULT_AUTHORIZE_URL.into()),
        }
    }
}

impl Plugin for AuthProvider {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_AUTH_IDENTIFIER | CLIPROXY_METHOD_EXECUTOR_IDENTIFIER => {
                Ok(json!({ "identifier": PROVIDER }))
            }
            CLIPROXY_METHOD_AUTH_PARSE => Ok(parse(&decode(request)?)),
            CLIPROXY_METHOD_AUTH_LOGIN_START => Ok(self.login_start(&decode(request)?)),
            CLIPROXY_METHOD_AUTH_LOGIN_POLL => login_poll(&decode(request)?),
            CLIPROXY_METHOD_AUTH_REFRESH => refresh(&decode(request)?),
            CLIPROXY_METHOD_MODEL_STATIC => reply(&ModelResponse::new(PROVIDER, Vec::new())),
            CLIPROXY_METHOD_MODEL_FOR_AUTH => models_for_auth(&decode(request)?),
            CLIPROXY_METHOD_EXECUTOR_EXECUTE | CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM => {
                let request: ExecutorRequest = decode(request)?;
                Ok(openai::answer_reply(
                    method == CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
                    COMPLETION_ID,
                    &request.model,
                    &answer(&request)?,
                ))
            }
            CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS => {
                Ok(json!({ "Payload": b64_encode(r#"{"input_tokens":1}"#) }))
            }
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(AuthProvider);

impl AuthProvider {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.authorize_url
            .set(config.get_or("authorize-url", DEFAULT_AUTHORIZE_URL));
        let capabilities = Capabilities {
            auth_provider: true,
            model_provider: true,
            ..Capabilities::executor("oauth", &["openai"], &["openai"])
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "authorize-url",
                "string",
                "Login page the browser is sent to.",
            )
            .to_value())
    }

    /// `auth.login.start`: a fresh state and the URL that sends the browser back to the
    /// proxy's OAuth callback (`BaseURL`) with it.
    fn login_start(&self, request: &LoginStartRequest) -> Value {
        let state = format!("rust-{}", random_hex());
        let url = format!(
            "{}?state={}&redirect_uri={}",
            self.authorize_url.get(),
            state,
            query_escape(&request.base_url)
        );
        json!({
            "Provider": PROVIDER,
            "URL": url,
            "State": state,
            "Metadata": { "started_by": "rust" }
        })
    }
}

/// `auth.parse`: `token-rust` files become one credential; any other file is not ours.
fn parse(request: &AuthParseRequest) -> Value {
    let file = match serde_json::from_slice(&request.raw_json) {
        Ok(Value::Object(file)) if file.get("type").and_then(Value::as_str) == Some(PROVIDER) => {
            file
        }
        _ => return json!({ "Handled": false }),
    };
    json!({
        "Handled": true,
        "Auth": {
            "Provider": PROVIDER,
            "FileName": request.file_name,
            "Label": file.get("label").and_then(Value::as_str).unwrap_or(""),
            "Disabled": file.get("disabled") == Some(&Value::Bool(true)),
            "StorageJSON": request.raw_json,
            "Metadata": file
        }
    })
}

/// `auth.login.poll`: looks for the file the proxy's OAuth callback writes,
/// `<AuthDir>/.oauth-<Provider>-<State>.oauth` = `{"code":..,"state":..,"error":..}`.
fn login_poll(request: &LoginPollRequest) -> Result<Value, PluginError> {
    let path = callback_file(request)?;
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(pending()),
        Err(err) => {
            return Err(PluginError::internal(format!(
                "read {}: {err}",
                path.display()
            )))
        }
    };
    // Unreadable JSON is most likely a file still being written: look again next poll.
    let Ok(callback) = serde_json::from_slice::<Value>(&text) else {
        return Ok(pending());
    };
    let field = |key: &str| callback.get(key).and_then(Value::as_str).unwrap_or("");
    let (code, error) = (field("code"), field("error"));
    if !error.is_empty() {
        consume(&path);
        return Ok(json!({ "Status": "error", "Message": format!("login failed: {error}") }));
    }
    if code.is_empty() {
        return Ok(pending());
    }
    consume(&path);
    let state = &request.state;
    Ok(json!({
        "Status": "success",
        "Auth": {
            "Provider": PROVIDER,
            "FileName": format!("{PROVIDER}-{state}.json"),
            "Label": format!("login {state}"),
            "Metadata": {
                "type": PROVIDER,
                "access_token": format!("code-{code}"),
                "refresh_token": format!("refresh-{code}")
            }
        }
    }))
}

fn pending() -> Value {
    json!({ "Status": "pending" })
}

/// The callback file of a login. Provider and State become part of a file name, so they
/// must not contain path separators (the host validates states, but do not rely on it).
fn callback_file(request: &LoginPollRequest) -> Result<PathBuf, PluginError> {
    if request.host.auth_dir.is_empty() {
        return Err(PluginError::invalid_request("Host.AuthDir is empty"));
    }
    for (name, value) in [("Provider", &request.provider), ("State", &request.state)] {
        if value.is_empty() || value.contains(['/', '\\', '\0']) {
            return Err(PluginError::invalid_request(format!(
                "{name} {value:?} cannot be part of a file name"
            )));
        }
    }
    let name = format!(".oauth-{}-{}.oauth", request.provider, request.state);
    Ok(PathBuf::from(&request.host.auth_dir).join(name))
}

/// Deletes a callback file whose outcome is being reported. A failure is ignored: the host
/// ends the login session on this reply and never polls it again.
fn consume(path: &Path) {
    let _ = fs::remove_file(path);
}

/// `auth.refresh`: the same metadata with a new access token, valid for one hour.
fn refresh(request: &AuthRefreshRequest) -> Result<Value, PluginError> {
    if text_of(&request.metadata, "refresh_token").is_empty() {
        return Err(PluginError::new("unauthorized", "no refresh token").with_status(401));
    }
    let n = REFRESHES.fetch_add(1, Ordering::Relaxed) + 1;
    let mut metadata = request.metadata.clone();
    metadata.insert("access_token".into(), format!("refreshed-rust-{n}").into());
    Ok(json!({
        "Auth": { "Metadata": metadata },
        "NextRefreshAfter": rfc3339_utc(SystemTime::now() + TOKEN_LIFETIME)
    }))
}

/// `model.for_auth`: every `token-rust` credential serves `token-model-rust`.
fn models_for_auth(request: &AuthModelRequest) -> Result<Value, PluginError> {
    if request.auth_provider != PROVIDER {
        return reply(&ModelResponse::not_mine());
    }
    reply(&ModelResponse::new(
        PROVIDER,
        vec![ModelInfo::new(MODEL, PLUGIN_NAME)],
    ))
}

/// The executor's answer, or 401 when the credential's access token is missing or
/// `expired` (the host then refreshes the credential and retries).
fn answer(request: &ExecutorRequest) -> Result<String, PluginError> {
    let token = text_of(&request.auth_metadata, "access_token");
    if token.is_empty() || token == "expired" {
        return Err(PluginError::new("unauthorized", "access token expired").with_status(401));
    }
    Ok(format!("{MODEL} used {token} from {}", request.auth_id))
}

/// A string member of a credential's metadata ("" when missing or not a string).
fn text_of<'a>(metadata: &'a Map<String, Value>, key: &str) -> &'a str {
    metadata.get(key).and_then(Value::as_str).unwrap_or("")
}

/// 16 hex digits nobody else can predict, for the OAuth state. `RandomState` is seeded
/// from the OS's random source and each instance hashes with fresh keys, which gives
/// unguessable, non-repeating values without a random-number crate. (Not a key generator.)
fn random_hex() -> String {
    format!("{:016x}", RandomState::new().hash_one(SystemTime::now()))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the URL can travel as
/// one query parameter.
fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, request: Value) -> Result<Value, PluginError> {
        AuthProvider::default().handle(method, request.to_string().as_bytes())
    }

    #[test]
    fn parse_accepts_only_token_files() {
        let raw =
            b64_encode(r#"{"type":"token-rust","label":"me","disabled":true,"access_token":"t"}"#);
        let parsed = call(
            CLIPROXY_METHOD_AUTH_PARSE,
            json!({"FileName": "a.json", "RawJSON": raw}),
        )
        .unwrap();
        assert_eq!(
            parsed,
            json!({"Handled": true, "Auth": {
                "Provider": "token-rust", "FileName": "a.json", "Label": "me", "Disabled": true,
                "StorageJSON": raw,
                "Metadata": {"type": "token-rust", "label": "me", "disabled": true, "access_token": "t"}
            }})
        );
        for other in [r#"{"type":"codex"}"#, "[1]", "not json"] {
            let request = json!({"FileName": "b.json", "RawJSON": b64_encode(other)});
            assert_eq!(
                call(CLIPROXY_METHOD_AUTH_PARSE, request).unwrap(),
                json!({"Handled": false})
            );
        }
    }

    #[test]
    fn login_start_url() {
        let started = call(
            CLIPROXY_METHOD_AUTH_LOGIN_START,
            json!({"Provider": "token-rust", "BaseURL": "http://127.0.0.1:8317/v0/management/oauth-callback"}),
        )
        .unwrap();
        let state = started["State"].as_str().unwrap();
        assert!(state.starts_with("rust-") && state.len() == 21, "{state}");
        assert!(state[5..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            started["URL"],
            format!("https://login.example.invalid/authorize?state={state}&redirect_uri=http%3A%2F%2F127.0.0.1%3A8317%2Fv0%2Fmanagement%2Foauth-callback")
        );
        assert_eq!(started["Metadata"], json!({"started_by": "rust"}));
        assert_ne!(random_hex(), random_hex());
    }

    #[test]
    fn login_poll_reads_the_callback_file() {
        let dir = std::env::temp_dir().join(format!("auth-provider-rust-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let poll = |state: &str| {
            call(
                CLIPROXY_METHOD_AUTH_LOGIN_POLL,
                json!({"Provider": "token-rust", "State": state, "Host": {"AuthDir": dir}}),
            )
        };
        let file = |state: &str| dir.join(format!(".oauth-token-rust-{state}.oauth"));

        assert_eq!(poll("s1").unwrap(), json!({"Status": "pending"}));
        fs::write(file("s1"), r#"{"code":"c1","state":"s1","error":""}"#).unwrap();
        assert_eq!(
            poll("s1").unwrap(),
            json!({"Status": "success", "Auth": {
                "Provider": "token-rust", "FileName": "token-rust-s1.json", "Label": "login s1",
                "Metadata": {"type": "token-rust", "access_token": "code-c1", "refresh_token": "refresh-c1"}
            }})
        );
        assert!(!file("s1").exists(), "consumed");

        fs::write(
            file("s2"),
            r#"{"code":"","state":"s2","error":"access_denied"}"#,
        )
        .unwrap();
        assert_eq!(
            poll("s2").unwrap(),
            json!({"Status": "error", "Message": "login failed: access_denied"})
        );
        assert!(!file("s2").exists(), "consumed");

        assert_eq!(poll("../x").unwrap_err().http_status, Some(400));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refresh_mints_tokens() {
        let refreshed = call(
            CLIPROXY_METHOD_AUTH_REFRESH,
            json!({"Metadata": {"type": "token-rust", "access_token": "old", "refresh_token": "r"}}),
        )
        .unwrap();
        let token = refreshed["Auth"]["Metadata"]["access_token"]
            .as_str()
            .unwrap();
        assert!(token.starts_with("refreshed-rust-"), "{token}");
        assert_eq!(refreshed["Auth"]["Metadata"]["refresh_token"], "r");
        let next = refreshed["NextRefreshAfter"].as_str().unwrap();
        assert!(next.len() == 20 && next.ends_with('Z'), "{next}");

        let err = call(
            CLIPROXY_METHOD_AUTH_REFRESH,
            json!({"Metadata": {"refresh_token": ""}}),
        )
        .unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.http_status),
            ("no refresh token", Some(401))
        );
    }

    #[test]
    fn executor_uses_the_access_token() {
        let execute = |token: &str| {
            call(
                CLIPROXY_METHOD_EXECUTOR_EXECUTE,
                json!({"AuthID": "a.json", "Model": "token-model-rust", "AuthMetadata": {"access_token": token}}),
            )
        };
        let payload = execute("tok").unwrap()["Payload"]
            .as_str()
            .unwrap()
            .to_string();
        let body: Value =
            serde_json::from_slice(&cliproxy_plugin::b64_decode(&payload).unwrap()).unwrap();
        assert_eq!(
            body["choices"][0]["message"]["content"],
            "token-model-rust used tok from a.json"
        );
        for bad in ["", "expired"] {
            let err = execute(bad).unwrap_err();
            assert_eq!(
                (err.message.as_str(), err.http_status),
                ("access token expired", Some(401))
            );
        }
    }

    #[test]
    fn query_escape_keeps_only_unreserved() {
        assert_eq!(query_escape("a-b_c.d~e f/é"), "a-b_c.d~e%20f%2F%C3%A9");
    }
}

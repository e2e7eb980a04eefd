//! Typed wire structs: the host's request structs and the reply pieces several examples
//! share.
//!
//! The rule (spec 02 §0.2): the Go structs have no JSON tags, so on the wire every key is
//! the exact Go field name (`AuthID`, `StorageJSON`, `RawJSON`, ...). The structs below use
//! `rename_all = "PascalCase"` and spell acronyms out with an explicit `rename`; only the keys
//! the host tags itself (`stream_id`, `host_callback_id`, `config_yaml`, ...) are snake_case.
//!
//! Decoding is lenient the way Go's is: missing keys take their zero value, unknown keys
//! are ignored, and `null` (what Go sends for nil maps, slices and `[]byte`) reads as empty.
//! Each request lists the fields the examples read plus the cheap scalars next to them;
//! add fields here, in Go declaration order, when an example needs more.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Deref;

use serde::de::{DeserializeOwned, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::plugin::PluginError;
use crate::util::{b64_decode, b64_encode};

/// Decodes a JSON object request into `T`, or fails with `invalid_request` (HTTP 400).
pub fn decode<T: DeserializeOwned>(request: &[u8]) -> Result<T, PluginError> {
    // Derived structs would also accept a JSON array (fields by position); requests are
    // always objects, as Go's decoder insists.
    if request.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(PluginError::invalid_request("request is not a JSON object"));
    }
    serde_json::from_slice(request)
        .map_err(|err| PluginError::invalid_request(format!("decode request: {err}")))
}

/// Encodes a typed reply as the `result` of an envelope.
pub fn reply<T: Serialize>(value: &T) -> Result<Value, PluginError> {
    serde_json::to_value(value).map_err(|err| PluginError::internal(format!("encode reply: {err}")))
}

/// Reads `null` as the type's default: Go sends `null` for nil maps, slices and pointers,
/// where an example only cares about "empty".
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A Go `[]byte` field: standard padded base64 on the wire. `null` or a missing key reads
/// as empty; it always encodes as a base64 string (`""` when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The bytes as text, with invalid UTF-8 replaced (bodies are JSON or plain text).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes(bytes)
    }
}

impl From<String> for Bytes {
    fn from(text: String) -> Self {
        Bytes(text.into_bytes())
    }
}

impl From<&str> for Bytes {
    fn from(text: &str) -> Self {
        Bytes(text.as_bytes().to_vec())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&b64_encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Bytes::default()),
            Some(text) => b64_decode(&text)
                .map(Bytes)
                .map_err(|err| serde::de::Error::custom(format!("invalid base64: {err}"))),
        }
    }
}

/// A Go `http.Header` or `url.Values`: an object of string arrays (`null` reads as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Headers(pub HashMap<String, Vec<String>>);

impl Headers {
    /// The first value of header `name`. The host sends canonical keys
    /// (`X-Example-Route`); like Go's `Header.Get`, any other spelling matches too.
    pub fn first(&self, name: &str) -> Option<&str> {
        let values = self.0.get(name).or_else(|| {
            self.0
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, values)| values)
        })?;
        values.first().map(String::as_str)
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        null_default(deserializer).map(Headers)
    }
}

/// `plugin.register` / `plugin.reconfigure` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LifecycleRequest {
    /// YAML text of the plugin's `plugins.configs.<id>` subtree.
    pub config_yaml: Bytes,
    /// The host's highest RPC schema version (3).
    pub schema_version: u32,
}

/// `HostConfigSummary` (sent as `Host`), the part the examples use.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct HostConfigSummary {
    /// Absolute path of the credential directory.
    pub auth_dir: String,
    #[serde(rename = "ProxyURL")]
    pub proxy_url: String,
    pub force_model_prefix: bool,
}

/// `model.for_auth` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct AuthModelRequest {
    #[serde(rename = "AuthID")]
    pub auth_id: String,
    pub auth_provider: String,
    #[serde(rename = "StorageJSON")]
    pub storage_json: Bytes,
    /// The credential's JSON object.
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub attributes: HashMap<String, String>,
    #[serde(deserialize_with = "null_default")]
    pub host: HostConfigSummary,
}

/// `auth.parse` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct AuthParseRequest {
    /// The file's `"type"`, lower-cased (or the plugin's identifier).
    pub provider: String,
    pub path: String,
    pub file_name: String,
    /// The whole credential file.
    #[serde(rename = "RawJSON")]
    pub raw_json: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub host: HostConfigSummary,
}

/// `auth.login.start` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LoginStartRequest {
    pub provider: String,
    /// The proxy's OAuth callback URL (`http://127.0.0.1:<port>/v0/management/oauth-callback`).
    #[serde(rename = "BaseURL")]
    pub base_url: String,
    #[serde(deserialize_with = "null_default")]
    pub host: HostConfigSummary,
}

/// `auth.login.poll` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct LoginPollRequest {
    pub provider: String,
    pub state: String,
    #[serde(deserialize_with = "null_default")]
    pub host: HostConfigSummary,
    /// The `Metadata` that `auth.login.start` returned.
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
}

/// `auth.refresh` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct AuthRefreshRequest {
    #[serde(rename = "AuthID")]
    pub auth_id: String,
    pub auth_provider: String,
    #[serde(rename = "StorageJSON")]
    pub storage_json: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub attributes: HashMap<String, String>,
}

/// `frontend_auth.authenticate` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct FrontendAuthRequest {
    pub method: String,
    pub path: String,
    pub headers: Headers,
    pub query: Headers,
    pub body: Bytes,
}

/// `scheduler.pick` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SchedulerPickRequest {
    /// `""` for a mixed-provider selection (then see `providers`).
    pub provider: String,
    #[serde(deserialize_with = "null_default")]
    pub providers: Vec<String>,
    pub model: String,
    pub stream: bool,
    #[serde(deserialize_with = "null_default")]
    pub candidates: Vec<SchedulerCandidate>,
}

/// One credential the scheduler may pick.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SchedulerCandidate {
    #[serde(rename = "ID")]
    pub id: String,
    pub provider: String,
    pub priority: i64,
    pub status: String,
    #[serde(deserialize_with = "null_default")]
    pub attributes: HashMap<String, String>,
}

/// `model.route` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ModelRouteRequest {
    #[serde(rename = "PluginID")]
    pub plugin_id: String,
    pub source_format: String,
    pub requested_model: String,
    pub stream: bool,
    pub headers: Headers,
    pub query: Headers,
    /// The raw client request.
    pub body: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub available_providers: Vec<String>,
}

/// `executor.execute`, `executor.execute_stream` and `executor.count_tokens` request.
/// `Payload` is in `SourceFormat`; the reply must be in `Format`. The `Auth*` fields are
/// empty on direct router routes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ExecutorRequest {
    #[serde(rename = "AuthID")]
    pub auth_id: String,
    pub auth_provider: String,
    pub model: String,
    pub format: String,
    pub stream: bool,
    pub alt: String,
    pub headers: Headers,
    pub query: Headers,
    pub original_request: Bytes,
    pub source_format: String,
    pub payload: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
    #[serde(rename = "StorageJSON")]
    pub storage_json: Bytes,
    /// The selected credential's metadata (its JSON object).
    #[serde(deserialize_with = "null_default")]
    pub auth_metadata: Map<String, Value>,
    #[serde(deserialize_with = "null_default")]
    pub auth_attributes: HashMap<String, String>,
    /// `execute_stream` only: the stream to feed with `host.stream.emit`.
    #[serde(rename = "stream_id")]
    pub stream_id: String,
    #[serde(rename = "host_callback_id")]
    pub host_callback_id: String,
}

/// `request.translate` / `request.normalize` (`RequestTransformRequest`) and
/// `response.translate` / `response.normalize_*` (`ResponseTransformRequest`, which adds
/// `OriginalRequest` and `TranslatedRequest`) request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TransformRequest {
    pub from_format: String,
    pub to_format: String,
    pub model: String,
    pub stream: bool,
    pub original_request: Bytes,
    pub translated_request: Bytes,
    pub body: Bytes,
}

/// `request.intercept_before` / `request.intercept_after` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RequestInterceptRequest {
    #[serde(rename = "RequestID")]
    pub request_id: String,
    #[serde(rename = "TraceID")]
    pub trace_id: String,
    pub source_format: String,
    /// `""` before auth; the executor's upstream format after auth.
    pub to_format: String,
    pub model: String,
    pub requested_model: String,
    pub stream: bool,
    pub headers: Headers,
    /// The client-format request body.
    pub body: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub metadata: Map<String, Value>,
}

/// `request.complete` request (`RequestCompletion`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct RequestCompletion {
    #[serde(rename = "RequestID")]
    pub request_id: String,
    #[serde(rename = "TraceID")]
    pub trace_id: String,
    pub source_format: String,
    pub model: String,
    pub requested_model: String,
    pub stream: bool,
    /// `succeeded`, `failed`, `rejected` or `canceled`.
    pub outcome: String,
    pub status_code: i64,
    pub error: String,
    /// RFC 3339.
    #[serde(deserialize_with = "null_default")]
    pub started_at: String,
    #[serde(deserialize_with = "null_default")]
    pub completed_at: String,
}

/// `response.intercept_after` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ResponseInterceptRequest {
    #[serde(rename = "RequestID")]
    pub request_id: String,
    pub source_format: String,
    pub model: String,
    pub requested_model: String,
    pub stream: bool,
    pub request_headers: Headers,
    pub response_headers: Headers,
    pub original_request: Bytes,
    pub request_body: Bytes,
    /// The client-format response body.
    pub body: Bytes,
    pub status_code: i64,
}

/// `response.intercept_stream_chunk` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct StreamChunkInterceptRequest {
    #[serde(rename = "RequestID")]
    pub request_id: String,
    pub source_format: String,
    pub model: String,
    pub requested_model: String,
    pub request_headers: Headers,
    pub response_headers: Headers,
    pub original_request: Bytes,
    pub request_body: Bytes,
    /// One client-format chunk (empty on the header-init call).
    pub body: Bytes,
    #[serde(deserialize_with = "null_default")]
    pub history_chunks: Vec<Bytes>,
    /// `-1` on the header-init call, then 0, 1, ...
    pub chunk_index: i64,
}

/// `thinking.apply` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ThinkingApplyRequest {
    pub provider: String,
    /// The target model's `ModelInfo` (a zero object when unknown).
    #[serde(deserialize_with = "null_default")]
    pub model: Value,
    #[serde(deserialize_with = "null_default")]
    pub config: ThinkingConfig,
    /// The translated provider payload.
    pub body: Bytes,
}

/// The thinking config the host parsed and validated.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ThinkingConfig {
    /// `budget`, `level`, `none` or `auto`.
    pub mode: String,
    /// -1 for auto, 0 for none.
    pub budget: i64,
    pub level: String,
}

/// `usage.handle` request (`UsageRecord`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct UsageRecord {
    pub provider: String,
    pub executor_type: String,
    pub model: String,
    pub alias: String,
    /// The client principal.
    #[serde(rename = "APIKey")]
    pub api_key: String,
    #[serde(rename = "AuthID")]
    pub auth_id: String,
    pub auth_index: String,
    pub auth_type: String,
    pub source: String,
    pub reasoning_effort: String,
    pub service_tier: String,
    pub generate: bool,
    #[serde(deserialize_with = "null_default")]
    pub requested_at: String,
    /// Nanoseconds.
    pub latency: i64,
    /// Time to first token, nanoseconds.
    #[serde(rename = "TTFT")]
    pub ttft: i64,
    pub failed: bool,
    #[serde(deserialize_with = "null_default")]
    pub detail: UsageDetail,
}

/// Token counts of a [`UsageRecord`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct UsageDetail {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub cached_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_creation_tokens: i64,
    pub total_tokens: i64,
}

/// `command_line.execute` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct CommandLineExecuteRequest {
    pub program: String,
    #[serde(deserialize_with = "null_default")]
    pub args: Vec<String>,
    pub config_path: String,
    /// Every flag, native ones included.
    #[serde(deserialize_with = "null_default")]
    pub flags: HashMap<String, CommandLineFlag>,
    /// Only this plugin's flags that were set.
    #[serde(deserialize_with = "null_default")]
    pub triggered_flags: HashMap<String, CommandLineFlag>,
}

/// One parsed command-line flag.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct CommandLineFlag {
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    /// The normalised string form (`"true"` for a set bool).
    pub value: String,
    pub set: bool,
}

/// `management.register` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ManagementRegisterRequest {
    /// `/v0/management`.
    pub base_path: String,
    /// `/v0/resource/plugins/<pluginID>`.
    pub resource_base_path: String,
}

/// `management.handle` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ManagementHandleRequest {
    pub method: String,
    /// The full request path.
    pub path: String,
    pub headers: Headers,
    pub query: Headers,
    pub body: Bytes,
    /// The scope to pass to host callbacks made while serving this request.
    #[serde(rename = "host_callback_id")]
    pub host_callback_id: String,
}

impl ManagementHandleRequest {
    /// The path below the plugin's resource base (`ResourceBasePath` of
    /// `management.register`), such as `"/status"`; `None` for any other path and while
    /// `base` is still empty (before `management.register`).
    pub fn resource_path(&self, base: &str) -> Option<&str> {
        let base = base.trim_end_matches('/');
        if base.is_empty() {
            return None;
        }
        self.path
            .strip_prefix(base)
            .filter(|rest| rest.starts_with('/'))
    }
}

/// `management.handle` reply: the HTTP response the host writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagementResponse {
    pub status_code: u16,
    pub headers: Headers,
    pub body: Bytes,
}

impl ManagementResponse {
    /// A response with one `Content-Type` header.
    pub fn new(status_code: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        let headers = HashMap::from([("Content-Type".to_string(), vec![content_type.to_string()])]);
        ManagementResponse {
            status_code,
            headers: Headers(headers),
            body: body.into(),
        }
    }

    /// 404 `{"error":"not found"}`: the answer for a path the plugin does not serve.
    pub fn not_found() -> Self {
        ManagementResponse::new(404, "application/json", r#"{"error":"not found"}"#)
    }
}

/// One model of a [`ModelResponse`] (Go `ModelInfo`). The optional fields are left out of
/// the JSON when `None`; the host reads missing fields as zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModelInfo {
    #[serde(rename = "ID")]
    pub id: String,
    pub object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    pub owned_by: String,
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl ModelInfo {
    /// `{"ID":id,"Object":"model","OwnedBy":owned_by}`.
    pub fn new(id: impl Into<String>, owned_by: impl Into<String>) -> Self {
        ModelInfo {
            id: id.into(),
            object: "model".into(),
            owned_by: owned_by.into(),
            ..ModelInfo::default()
        }
    }
}

/// `model.register`, `model.static` and `model.for_auth` reply (`AuthUpdate` left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModelResponse {
    pub provider: String,
    pub models: Vec<ModelInfo>,
}

impl ModelResponse {
    pub fn new(provider: impl Into<String>, models: Vec<ModelInfo>) -> Self {
        ModelResponse {
            provider: provider.into(),
            models,
        }
    }

    /// `{"Provider":"","Models":[]}`: "not my credential" for `model.for_auth`.
    pub fn not_mine() -> Self {
        ModelResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bytes_read_base64_and_null() {
        #[derive(Debug, Deserialize, Default)]
        #[serde(default)]
        struct Probe {
            a: Bytes,
            b: Bytes,
            c: Bytes,
        }
        let probe: Probe = serde_json::from_str(r#"{"a":"aGk=","b":null}"#).unwrap();
        assert_eq!(
            (&probe.a[..], &probe.b[..], &probe.c[..]),
            (&b"hi"[..], &b""[..], &b""[..])
        );
        assert_eq!(probe.a.text(), "hi");
        let err = decode::<Probe>(br#"{"a":"aGk"}"#).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.http_status),
            ("invalid_request", Some(400))
        );
        assert!(err.message.contains("invalid base64"), "{}", err.message);
        assert_eq!(
            serde_json::to_string(&Bytes::from("hi")).unwrap(),
            r#""aGk=""#
        );
    }

    #[test]
    fn headers_lookup_and_null() {
        let request: FrontendAuthRequest = decode(
            br#"{"Method":"POST","Headers":{"X-Example-Frontend-Auth":["t1","t2"]},"Query":null,"Body":null}"#,
        )
        .unwrap();
        assert_eq!(request.headers.first("X-Example-Frontend-Auth"), Some("t1"));
        assert_eq!(request.headers.first("x-example-frontend-auth"), Some("t1"));
        assert_eq!(request.headers.first("Missing"), None);
        assert!(request.query.0.is_empty() && request.body.is_empty());
    }

    #[test]
    fn go_field_names_and_nulls() {
        let request: ExecutorRequest = decode(
            br#"{"AuthID":"a.json","AuthProvider":"p","Model":"m","Payload":"e30=",
                 "StorageJSON":null,"AuthMetadata":{"access_token":"t"},"AuthAttributes":null,
                 "Metadata":null,"stream_id":"7","host_callback_id":"9","Unknown":1}"#,
        )
        .unwrap();
        assert_eq!(request.auth_id, "a.json");
        assert_eq!(request.model, "m");
        assert_eq!(&request.payload[..], b"{}");
        assert_eq!(request.auth_metadata["access_token"], "t");
        assert_eq!(
            (
                request.stream_id.as_str(),
                request.host_callback_id.as_str()
            ),
            ("7", "9")
        );

        let usage: UsageRecord =
            decode(br#"{"APIKey":"k","TTFT":5,"Latency":9,"Detail":{"TotalTokens":3}}"#).unwrap();
        assert_eq!(
            (usage.api_key.as_str(), usage.ttft, usage.latency),
            ("k", 5, 9)
        );
        assert_eq!(usage.detail.total_tokens, 3);

        let pick: SchedulerPickRequest = decode(br#"{"Candidates":[{"ID":"a.json"}]}"#).unwrap();
        assert_eq!(pick.candidates[0].id, "a.json");
        assert!(decode::<SchedulerPickRequest>(br#"{"Candidates":null}"#)
            .unwrap()
            .candidates
            .is_empty());
    }

    #[test]
    fn management_requests_and_replies() {
        let request: ManagementHandleRequest = decode(
            br#"{"Method":"GET","Path":"/v0/resource/plugins/p/status","Body":null,"host_callback_id":"4"}"#,
        )
        .unwrap();
        assert_eq!(request.host_callback_id, "4");
        let base = "/v0/resource/plugins/p";
        assert_eq!(request.resource_path(base), Some("/status"));
        assert_eq!(
            request.resource_path("/v0/resource/plugins/p/"),
            Some("/status")
        );
        assert_eq!(
            request.resource_path("/v0/resource/plugins/"),
            Some("/p/status")
        );
        assert_eq!(request.resource_path("/v0/resource/plugins/pp"), None);
        assert_eq!(
            request.resource_path("/v0/resource/plugins/p/status/x"),
            None
        );
        assert_eq!(request.resource_path(""), None);
        assert_eq!(
            reply(&ManagementResponse::not_found()).unwrap(),
            json!({"StatusCode":404,"Headers":{"Content-Type":["application/json"]},
                   "Body":"eyJlcnJvciI6Im5vdCBmb3VuZCJ9"})
        );
    }

    #[test]
    fn model_replies() {
        let mut full = ModelInfo::new("m", "me");
        full.created = Some(1);
        full.kind = Some("openai".into());
        full.display_name = Some("M".into());
        assert_eq!(
            reply(&ModelResponse::new(
                "p",
                vec![ModelInfo::new("a", "me"), full]
            ))
            .unwrap(),
            json!({"Provider":"p","Models":[
                {"ID":"a","Object":"model","OwnedBy":"me"},
                {"ID":"m","Object":"model","Created":1,"OwnedBy":"me","Type":"openai","DisplayName":"M"}
            ]})
        );
        assert_eq!(
            serde_json::to_string(&ModelResponse::not_mine()).unwrap(),
            r#"{"Provider":"","Models":[]}"#
        );
    }
}

//! `executor-rust`: an echo model provider + executor, the Rust twin of the C and Go
//! `executor` examples (same JSON shapes, key order included).
//!
//! * `model.static` / `model.for_auth` announce one model, `example-echo-rust`, under the
//!   provider `echo-rust`.
//! * `executor.execute` answers an OpenAI chat completion whose text is the configured
//!   `prefix` plus the last user message; `executor.count_tokens` counts its words.
//! * `executor.execute_stream` uses the host's stream bridge asynchronously: the call
//!   returns only headers, and a thread pushes one chunk per word with `host.stream.emit`,
//!   then `host.stream.close`. `shutdown` joins those threads.
//!
//! All ABI glue comes from the `cliproxy-plugin` crate; this file is plain safe Rust.

use std::sync::{Mutex, RwLock};
use std::thread::{self, JoinHandle};
use std::time::{SystemTime, UNIX_EPOCH};

use cliproxy_plugin::abi::{
    CLIPROXY_HOST_STREAM_CLOSE, CLIPROXY_HOST_STREAM_EMIT, CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS,
    CLIPROXY_METHOD_EXECUTOR_EXECUTE, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, CLIPROXY_METHOD_MODEL_FOR_AUTH,
    CLIPROXY_METHOD_MODEL_STATIC, CLIPROXY_METHOD_PLUGIN_RECONFIGURE,
    CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::{
    b64_decode, b64_encode, config_value, export_plugin, Host, Plugin, PluginError,
};
use serde_json::{json, Map, Value};

const PLUGIN_NAME: &str = "executor-rust";
const PLUGIN_VERSION: &str = "0.1.0";
const PROVIDER: &str = "echo-rust";
const MODEL_ID: &str = "example-echo-rust";
const COMPLETION_ID: &str = "chatcmpl-echo-rust";

pub struct EchoExecutor {
    host: Host,
    /// Config key `prefix`, replaced on every register/reconfigure.
    prefix: RwLock<String>,
    /// Stream threads not yet joined. Finished ones are reaped on the next stream; the
    /// rest are joined in `shutdown`, because the `Host` they hold dies after it.
    streams: Mutex<Vec<JoinHandle<()>>>,
}

impl EchoExecutor {
    fn new(host: Host) -> Result<Self, PluginError> {
        Ok(EchoExecutor {
            host,
            prefix: RwLock::new(String::new()),
            streams: Mutex::new(Vec::new()),
        })
    }

    fn prefix(&self) -> String {
        self.prefix
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `plugin.register` and `plugin.reconfigure` (same request, same reply).
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let request = parse_object(request, "request")?;
        let yaml = bytes_field(&request, "config_yaml")?;
        let prefix = config_value(&String::from_utf8_lossy(&yaml), "prefix").unwrap_or_default();
        *self.prefix.write().unwrap_or_else(|e| e.into_inner()) = prefix;
        Ok(json!({
            "schema_version": 2,
            "metadata": {
                "Name": PLUGIN_NAME,
                "Version": PLUGIN_VERSION,
                "Author": "cliproxy examples",
                "GitHubRepository": "https://github.com/cliproxy/cliproxy",
                "Logo": "",
                "ConfigFields": [{
                    "Name": "prefix",
                    "Type": "string",
                    "EnumValues": null,
                    "Description": "Text put before every echoed reply."
                }]
            },
            "capabilities": {
                "model_provider": true,
                "executor": true,
                "executor_model_scope": "both",
                "executor_input_formats": ["chat-completions"],
                "executor_output_formats": ["chat-completions"]
            }
        }))
    }

    fn execute(&self, request: &[u8]) -> Result<Value, PluginError> {
        let chat = ChatRequest::parse(request)?;
        let text = self.prefix() + &chat.user_text;
        let body = json!({
            "id": COMPLETION_ID,
            "object": "chat.completion",
            "created": unix_now(),
            "model": chat.model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text },
                "finish_reason": "stop"
            }],
            "usage": usage(word_count(&text))
        });
        Ok(json!({
            "Payload": b64_encode(to_bytes(&body)),
            "Headers": { "Content-Type": ["application/json"] },
            "Metadata": null
        }))
    }

    /// Asynchronous stream: validate now, answer only headers, emit from a thread.
    fn execute_stream(&self, request: &[u8]) -> Result<Value, PluginError> {
        let chat = ChatRequest::parse(request)?;
        let stream_id = match field(&chat.request, "stream_id") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => return Err(PluginError::invalid_request("stream_id is required")),
        };
        let text = self.prefix() + &chat.user_text;
        let chunks = stream_chunks(&chat.model, &text, unix_now());

        let host = self.host;
        let worker = thread::Builder::new()
            .name(format!("echo-rust-stream-{stream_id}"))
            .spawn(move || emit_stream(host, &stream_id, chunks))
            .map_err(|err| PluginError::internal(format!("start stream thread: {err}")))?;

        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let (finished, running): (Vec<_>, Vec<_>) =
            streams.drain(..).partition(|h| h.is_finished());
        *streams = running;
        streams.push(worker);
        drop(streams);
        for handle in finished {
            let _ = handle.join(); // already done: returns at once
        }

        Ok(json!({ "headers": { "Content-Type": ["text/event-stream"] } }))
    }
}

impl Plugin for EchoExecutor {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_MODEL_STATIC | CLIPROXY_METHOD_MODEL_FOR_AUTH => Ok(models()),
            CLIPROXY_METHOD_EXECUTOR_IDENTIFIER => Ok(json!({ "identifier": PROVIDER })),
            CLIPROXY_METHOD_EXECUTOR_EXECUTE => self.execute(request),
            CLIPROXY_METHOD_EXECUTOR_COUNT_TOKENS => count_tokens(request),
            CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM => self.execute_stream(request),
            _ => Err(PluginError::unknown_method(method)),
        }
    }

    fn shutdown(&self) {
        let streams = std::mem::take(&mut *self.streams.lock().unwrap_or_else(|e| e.into_inner()));
        for handle in streams {
            let _ = handle.join();
        }
    }
}

export_plugin!(EchoExecutor, EchoExecutor::new);

/// Pushes every chunk, stopping early when the host refuses one (the stream is no longer
/// open, e.g. the client went away), and always closes the stream exactly once.
fn emit_stream(host: Host, stream_id: &str, chunks: Vec<Vec<u8>>) {
    for chunk in chunks {
        let emit = json!({ "stream_id": stream_id, "payload": b64_encode(chunk) });
        if host.call(CLIPROXY_HOST_STREAM_EMIT, &emit).is_err() {
            break;
        }
    }
    let _ = host.call(
        CLIPROXY_HOST_STREAM_CLOSE,
        &json!({ "stream_id": stream_id }),
    );
}

/// `model.static` / `model.for_auth` result (ModelResponse with one ModelInfo).
fn models() -> Value {
    json!({
        "Provider": PROVIDER,
        "Models": [{
            "ID": MODEL_ID,
            "Object": "model",
            "Created": 1700000000,
            "OwnedBy": "cliproxy-examples",
            "Type": "echo",
            "DisplayName": "Echo (Rust)",
            "Name": MODEL_ID,
            "Version": PLUGIN_VERSION,
            "Description": "Echoes the last user message.",
            "InputTokenLimit": 0,
            "OutputTokenLimit": 0,
            "SupportedGenerationMethods": ["chat"],
            "ContextLength": 8192,
            "MaxCompletionTokens": 1024,
            "SupportedParameters": null,
            "SupportedInputModalities": null,
            "SupportedOutputModalities": null,
            "Thinking": null,
            "UserDefined": false
        }],
        "AuthUpdate": null
    })
}

/// `executor.count_tokens`: words of the last user message (no prefix).
fn count_tokens(request: &[u8]) -> Result<Value, PluginError> {
    let chat = ChatRequest::parse(request)?;
    let body = json!({ "input_tokens": word_count(&chat.user_text) });
    Ok(json!({ "Payload": b64_encode(to_bytes(&body)), "Headers": null, "Metadata": null }))
}

/// The bare JSON chunks of one streamed reply: one per word, then a final one with
/// `finish_reason` and usage. An empty reply still gets one (empty) content chunk.
fn stream_chunks(model: &str, text: &str, created: u64) -> Vec<Vec<u8>> {
    let chunk = |delta: Value, finish_reason: Value| {
        json!({
            "id": COMPLETION_ID,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish_reason }]
        })
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut chunks: Vec<Vec<u8>> = if words.is_empty() {
        vec![to_bytes(&chunk(
            json!({ "role": "assistant", "content": "" }),
            Value::Null,
        ))]
    } else {
        words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let delta = if i == 0 {
                    json!({ "role": "assistant", "content": word })
                } else {
                    json!({ "content": format!(" {word}") })
                };
                to_bytes(&chunk(delta, Value::Null))
            })
            .collect()
    };
    let mut last = chunk(json!({}), json!("stop"));
    last["usage"] = usage(words.len());
    chunks.push(to_bytes(&last));
    chunks
}

/// The fields of an `ExecutorRequest` this plugin reads.
struct ChatRequest {
    /// The whole request object (for `stream_id`).
    request: Map<String, Value>,
    model: String,
    /// Text of the last `"role":"user"` message of the decoded Payload ("" when none).
    user_text: String,
}

impl ChatRequest {
    fn parse(request: &[u8]) -> Result<Self, PluginError> {
        let request = parse_object(request, "request")?;
        let model = match field(&request, "Model") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(model)) => model.clone(),
            Some(_) => return Err(PluginError::invalid_request("Model is not a string")),
        };
        let payload = bytes_field(&request, "Payload")?;
        let payload = parse_object(&payload, "Payload")?;
        let user_text = last_user_text(&payload);
        Ok(ChatRequest {
            request,
            model,
            user_text,
        })
    }
}

fn last_user_text(payload: &Map<String, Value>) -> String {
    let Some(messages) = payload.get("messages").and_then(Value::as_array) else {
        return String::new();
    };
    let Some(message) = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
    else {
        return String::new();
    };
    match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// Parses `bytes` as a JSON object, or fails with `invalid_request` naming `what`.
fn parse_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, PluginError> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(PluginError::invalid_request(format!(
            "{what} is not a JSON object"
        ))),
    }
}

/// Reads a Go `[]byte` field (base64 string; absent or null = empty), or fails with
/// `invalid_request` naming the field.
fn bytes_field(object: &Map<String, Value>, key: &str) -> Result<Vec<u8>, PluginError> {
    match field(object, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) => b64_decode(text).map_err(|err| {
            let detail = err.to_string();
            let detail = detail.trim_end_matches('.');
            PluginError::invalid_request(format!("{key} is not valid base64 ({detail})"))
        }),
        Some(_) => Err(PluginError::invalid_request(format!(
            "{key} is not a base64 string"
        ))),
    }
}

/// Looks a key up the way Go's decoder does: exact match first, then case-insensitive.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

fn usage(words: usize) -> Value {
    json!({ "prompt_tokens": words, "completion_tokens": words, "total_tokens": 2 * words })
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialize JSON value")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(payload: &Value) -> Vec<u8> {
        to_bytes(&json!({ "Model": "example-echo-rust", "Payload": b64_encode(to_bytes(payload)) }))
    }

    #[test]
    fn last_user_message_wins_and_parts_are_joined() {
        let payload = json!({ "messages": [
            { "role": "user", "content": "first" },
            { "role": "assistant", "content": "ignored" },
            { "role": "user", "content": [
                { "type": "text", "text": "hello " },
                { "type": "image_url", "image_url": { "url": "x" } },
                { "type": "text", "text": "world" }
            ] }
        ] });
        let chat = ChatRequest::parse(&request(&payload)).unwrap();
        assert_eq!(chat.user_text, "hello world");
        assert_eq!(
            ChatRequest::parse(&request(&json!({}))).unwrap().user_text,
            ""
        );
    }

    #[test]
    fn bad_payloads_are_invalid_requests() {
        for (req, message) in [
            (
                br#"{"Model":"m","Payload":"!!"}"#.to_vec(),
                "Payload is not valid base64",
            ),
            (request(&json!([1])), "Payload is not a JSON object"),
            (b"[]".to_vec(), "request is not a JSON object"),
        ] {
            let err = ChatRequest::parse(&req).err().unwrap();
            assert_eq!(
                (err.code.as_str(), err.http_status),
                ("invalid_request", Some(400))
            );
            assert!(err.message.starts_with(message), "{}", err.message);
        }
    }

    #[test]
    fn keys_match_case_insensitively() {
        let req = br#"{"model":"m","payload":"eyJtZXNzYWdlcyI6W119"}"#; // {"messages":[]}
        assert_eq!(ChatRequest::parse(req).unwrap().model, "m");
    }

    #[test]
    fn stream_chunk_shapes() {
        let chunks: Vec<String> = stream_chunks("m", "a  b", 7)
            .into_iter()
            .map(|c| String::from_utf8(c).unwrap())
            .collect();
        assert_eq!(
            chunks,
            [
                r#"{"id":"chatcmpl-echo-rust","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"a"},"finish_reason":null}]}"#,
                r#"{"id":"chatcmpl-echo-rust","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"content":" b"},"finish_reason":null}]}"#,
                r#"{"id":"chatcmpl-echo-rust","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}"#,
            ]
        );
        let empty = stream_chunks("m", " ", 7);
        assert_eq!(empty.len(), 2);
        assert!(String::from_utf8_lossy(&empty[0])
            .contains(r#""delta":{"role":"assistant","content":""}"#));
    }
}

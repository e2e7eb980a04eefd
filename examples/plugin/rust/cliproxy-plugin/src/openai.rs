//! OpenAI chat-completions pieces for executors that answer with one fixed text: the
//! completion body, its two-chunk stream form, the executor replies carrying them, and the
//! text of a request's last message.

use serde_json::{json, Value};

use crate::util::b64_encode;

/// A non-stream chat completion whose answer is `content`. `created` is 0 and the usage is
/// a fixed 1 + 1 token, so replies are reproducible.
pub fn completion(id: &str, model: &str, content: &str) -> Value {
    json!({
        "id": id,
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content },
            "finish_reason": "stop"
        }],
        "usage": { "prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2 }
    })
}

/// One `chat.completion.chunk` with a single choice: `delta` (e.g. `{"content":"x"}`) and
/// `finish_reason` (`null` until the last chunk). `created` is 0, as in [`completion`].
pub fn completion_chunk(id: &str, model: &str, delta: Value, finish_reason: Value) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish_reason }]
    })
}

/// The stream form of [`completion`]: one chunk with the whole text, then one with
/// `finish_reason` `"stop"`.
pub fn completion_chunks(id: &str, model: &str, content: &str) -> [Value; 2] {
    [
        completion_chunk(
            id,
            model,
            json!({ "role": "assistant", "content": content }),
            Value::Null,
        ),
        completion_chunk(id, model, json!({}), json!("stop")),
    ]
}

/// `executor.execute` reply (`ExecutorResponse`) carrying [`completion`] as `Payload`.
pub fn completion_reply(id: &str, model: &str, content: &str) -> Value {
    json!({
        "Payload": b64_json(&completion(id, model, content)),
        "Headers": { "Content-Type": ["application/json"] }
    })
}

/// `executor.execute_stream` reply carrying [`completion_chunks`] inline: the chunks are the
/// whole stream, so the plugin needs no thread and no `host.stream.*` calls.
pub fn completion_stream_reply(id: &str, model: &str, content: &str) -> Value {
    let chunks: Vec<Value> = completion_chunks(id, model, content)
        .iter()
        .map(|chunk| json!({ "Payload": b64_json(chunk) }))
        .collect();
    json!({
        "headers": { "Content-Type": ["text/event-stream"] },
        "chunks": chunks
    })
}

/// The reply to `executor.execute` (`stream` false) or `executor.execute_stream` (true)
/// answering `content`: one arm serves both methods of an executor with a fixed answer.
pub fn answer_reply(stream: bool, id: &str, model: &str, content: &str) -> Value {
    if stream {
        completion_stream_reply(id, model, content)
    } else {
        completion_reply(id, model, content)
    }
}

/// The text of the last element of the request's `messages`: its string `content`, or for
/// an array of parts the concatenated `text` of the parts of type `"text"`.
///
/// `None` when `body` is not JSON, has no messages, or the last content is neither.
pub fn last_message_text(body: &[u8]) -> Option<String> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let last = body.get("messages")?.as_array()?.last()?;
    match last.get("content")? {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect(),
        ),
        _ => None,
    }
}

/// Compact JSON, base64-encoded, for a `Payload` field.
fn b64_json(value: &Value) -> String {
    b64_encode(serde_json::to_vec(value).expect("serialize JSON value"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::b64_decode;

    fn decoded(payload: &Value) -> String {
        String::from_utf8(b64_decode(payload.as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn completion_reply_shape() {
        let reply = completion_reply("chatcmpl-x", "m", "hi");
        assert_eq!(
            decoded(&reply["Payload"]),
            r#"{"id":"chatcmpl-x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#
        );
        assert_eq!(
            reply["Headers"],
            json!({"Content-Type": ["application/json"]})
        );
    }

    #[test]
    fn stream_reply_shape() {
        let reply = completion_stream_reply("chatcmpl-x", "m", "hi");
        assert_eq!(
            reply["headers"],
            json!({"Content-Type": ["text/event-stream"]})
        );
        let chunks: Vec<String> = reply["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|chunk| decoded(&chunk["Payload"]))
            .collect();
        assert_eq!(
            chunks,
            [
                r#"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}"#,
                r#"{"id":"chatcmpl-x","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ]
        );
    }

    #[test]
    fn last_message_text_cases() {
        let text = |body: &str| last_message_text(body.as_bytes());
        assert_eq!(
            text(
                r#"{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}"#
            )
            .as_deref(),
            Some("b"),
            "the last message, whatever its role"
        );
        assert_eq!(
            text(r#"{"messages":[{"content":[{"type":"text","text":"x "},{"type":"image_url"},{"type":"text","text":"y"}]}]}"#)
                .as_deref(),
            Some("x y")
        );
        assert_eq!(text(r#"{"messages":[]}"#), None);
        assert_eq!(text(r#"{"messages":[{"content":null}]}"#), None);
        assert_eq!(text("not json"), None);
    }
}

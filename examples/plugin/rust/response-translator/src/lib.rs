//! `response-translator-rust`: serves the model `lines-model-rust` whose executor answers in
//! the plain-text format `lines-rust` (capabilities `model_provider`, `executor`, scope
//! `static`, input `openai`, output `lines-rust`), and translates `lines-rust` responses
//! back into `openai` (capability `response_translator`).
//!
//! The executor answers with the words of the last message's text, one per line, or as a
//! stream one word per chunk. The host has no native `lines-rust` -> `openai` translator,
//! so an `openai` client's response goes through `response.translate`: a whole response
//! becomes a chat completion whose content is the lines joined with `" | "`, a stream chunk
//! a `chat.completion.chunk` carrying the word and a space. Every other format pair is
//! declined with an empty reply, so that same-format pairs the host also routes through
//! this hook are left alone.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_EXECUTOR_EXECUTE, CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM,
    CLIPROXY_METHOD_EXECUTOR_IDENTIFIER, CLIPROXY_METHOD_MODEL_STATIC,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_RESPONSE_TRANSLATE,
};
use cliproxy_plugin::types::{
    decode, Bytes, ExecutorRequest, ModelInfo, ModelResponse, TransformRequest,
};
use cliproxy_plugin::{
    export_plugin, openai, reply, Capabilities, Plugin, PluginError, Registration,
};
use serde_json::{json, Map, Value};

const PLUGIN_NAME: &str = "response-translator-rust";
/// The plain-text format, also the executor's identifier and provider.
const LINES_FORMAT: &str = "lines-rust";
const MODEL: &str = "lines-model-rust";
const COMPLETION_ID: &str = "chatcmpl-response-translator-rust";

#[derive(Default)]
pub struct ResponseTranslator;

impl Plugin for ResponseTranslator {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_EXECUTOR_IDENTIFIER => Ok(json!({ "identifier": LINES_FORMAT })),
            CLIPROXY_METHOD_MODEL_STATIC => reply(&ModelResponse::new(
                LINES_FORMAT,
                vec![ModelInfo::new(MODEL, PLUGIN_NAME)],
            )),
            CLIPROXY_METHOD_EXECUTOR_EXECUTE => {
                let words = words(&decode::<ExecutorRequest>(request)?)?;
                Ok(json!({
                    "Payload": Bytes::from(words.join("\n")),
                    "Headers": { "Content-Type": ["text/plain"] }
                }))
            }
            CLIPROXY_METHOD_EXECUTOR_EXECUTE_STREAM => {
                let words = words(&decode::<ExecutorRequest>(request)?)?;
                Ok(json!({
                    "headers": { "Content-Type": ["text/event-stream"] },
                    "chunks": word_chunks(&words)
                }))
            }
            CLIPROXY_METHOD_RESPONSE_TRANSLATE => Ok(translate(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(ResponseTranslator);

fn registration() -> Value {
    let capabilities = Capabilities {
        response_translator: true,
        model_provider: true,
        ..Capabilities::executor("static", &["openai"], &[LINES_FORMAT])
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// The executor's answer: the words of the last message's text of the `openai` request in
/// `Payload`, split on ASCII spaces (empty words dropped). No messages: no words.
fn words(request: &ExecutorRequest) -> Result<Vec<String>, PluginError> {
    if serde_json::from_slice::<Map<String, Value>>(&request.payload).is_err() {
        return Err(PluginError::invalid_request("Payload is not a JSON object"));
    }
    let text = openai::last_message_text(&request.payload).unwrap_or_default();
    Ok(text
        .split(' ')
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect())
}

/// One inline chunk per word, its `Payload` the word's bytes. Inline chunks must not be
/// empty (no chunks means "I will stream with `host.stream.emit`", which this plugin never
/// does), so no words give one empty chunk.
fn word_chunks(words: &[String]) -> Vec<Value> {
    if words.is_empty() {
        return vec![json!({ "Payload": Bytes::default() })];
    }
    words
        .iter()
        .map(|word| json!({ "Payload": Bytes::from(word.as_str()) }))
        .collect()
}

/// `response.translate`: `lines-rust` -> `openai`. A whole response becomes a chat
/// completion of its lines joined with `" | "`, a stream chunk a `chat.completion.chunk`
/// whose delta is its text and a space; anything else is declined with `{}`.
fn translate(request: &TransformRequest) -> Value {
    if request.from_format != LINES_FORMAT || request.to_format != "openai" {
        return json!({});
    }
    let text = request.body.text();
    let body = if request.stream {
        openai::completion_chunk(
            COMPLETION_ID,
            &request.model,
            json!({ "content": format!("{text} ") }),
            Value::Null,
        )
    } else {
        openai::completion(COMPLETION_ID, &request.model, &text.replace('\n', " | "))
    };
    json!({ "Body": Bytes::from(body.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::{b64_decode, b64_encode};

    fn executor_request(payload: &str) -> ExecutorRequest {
        let request = json!({"Model": MODEL, "Payload": b64_encode(payload)});
        decode(request.to_string().as_bytes()).unwrap()
    }

    fn translated(from: &str, to: &str, stream: bool, body: &str) -> Value {
        let request = json!({"FromFormat": from, "ToFormat": to, "Model": "m", "Stream": stream,
                             "OriginalRequest": null, "TranslatedRequest": null, "Body": b64_encode(body)});
        translate(&decode(request.to_string().as_bytes()).unwrap())
    }

    fn body_of(reply: &Value) -> String {
        String::from_utf8(b64_decode(reply["Body"].as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn executor_splits_the_last_message_into_words() {
        let body = r#"{"messages":[{"role":"user","content":"x"},{"role":"user","content":[{"type":"text","text":" one  two "},{"type":"text","text":"three"}]}]}"#;
        assert_eq!(
            words(&executor_request(body)).unwrap(),
            ["one", "two", "three"]
        );
        assert!(words(&executor_request(r#"{"messages":[]}"#))
            .unwrap()
            .is_empty());
        assert!(
            words(&executor_request(r#"{"messages":[{"content":"   "}]}"#))
                .unwrap()
                .is_empty()
        );
        let err = words(&executor_request("not json")).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.http_status),
            ("invalid_request", Some(400))
        );
    }

    #[test]
    fn stream_has_one_chunk_per_word_and_never_none() {
        let chunks = word_chunks(&["a".to_owned(), "bc".to_owned()]);
        assert_eq!(
            chunks,
            [json!({"Payload": "YQ=="}), json!({"Payload": "YmM="})]
        );
        assert_eq!(word_chunks(&[]), [json!({"Payload": ""})]);
    }

    #[test]
    fn translates_lines_to_openai() {
        assert_eq!(
            body_of(&translated("lines-rust", "openai", false, "w1\nw2\nw3")),
            r#"{"id":"chatcmpl-response-translator-rust","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"w1 | w2 | w3"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#
        );
        assert_eq!(
            body_of(&translated("lines-rust", "openai", true, "w1")),
            r#"{"id":"chatcmpl-response-translator-rust","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"w1 "},"finish_reason":null}]}"#
        );
    }

    #[test]
    fn declines_other_pairs() {
        assert_eq!(translated("openai", "openai", false, "w1"), json!({}));
        assert_eq!(translated("claude", "claude", true, "w1"), json!({}));
        assert_eq!(translated("openai", "lines-rust", false, "w1"), json!({}));
        assert_eq!(translated("lines-c", "openai", false, "w1"), json!({}));
    }
}

//! `response-stream-interceptor-rust`: a stream chunk interceptor (capability
//! `response_stream_interceptor`).
//!
//! * header-init call (`ChunkIndex` -1): sets `X-Stream-Intercepted: rust`;
//! * every chunk: dropped when it contains config `drop` (unset: nothing is dropped),
//!   otherwise returned with the ASCII letters of every `"content"` string upper-cased.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK,
};
use cliproxy_plugin::types::{decode, Bytes, StreamChunkInterceptRequest};
use cliproxy_plugin::{
    contains_bytes, export_plugin, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "response-stream-interceptor-rust";
/// `ChunkIndex` of the call made before the first chunk, for headers only.
const HEADER_INIT: i64 = -1;

#[derive(Default)]
pub struct StreamInterceptor {
    /// Config key `drop`, replaced on every register/reconfigure.
    drop: Shared<Option<String>>,
}

impl Plugin for StreamInterceptor {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK => {
                Ok(self.intercept(&decode(request)?))
            }
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(StreamInterceptor);

impl StreamInterceptor {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.drop.set(config.get("drop"));
        let capabilities = Capabilities {
            response_stream_interceptor: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field(
                "drop",
                "string",
                "Stream chunks containing this text are dropped.",
            )
            .to_value())
    }

    fn intercept(&self, request: &StreamChunkInterceptRequest) -> Value {
        if request.chunk_index == HEADER_INIT {
            return json!({ "Headers": { "X-Stream-Intercepted": ["rust"] } });
        }
        let dropped = self
            .drop
            .get()
            .as_deref()
            .is_some_and(|needle| contains_bytes(&request.body, needle.as_bytes()));
        if dropped {
            return json!({ "DropChunk": true });
        }
        json!({ "Body": Bytes(upper_case_contents(&request.body)) })
    }
}

/// Upper-cases the ASCII letters inside every JSON string value whose key is `"content"`,
/// at any depth. It works on the raw text, so everything else (formatting, numbers, escape
/// sequences such as `\n` or `\u00e9`) stays byte for byte; non-JSON text passes unchanged
/// apart from such strings.
fn upper_case_contents(chunk: &[u8]) -> Vec<u8> {
    let mut out = chunk.to_vec();
    // The text of the last string token, while only whitespace followed it.
    let mut last_string: Option<(usize, usize)> = None;
    // Whether the next string token is the value of a "content" key.
    let mut content_value_next = false;
    let mut i = 0;
    while i < out.len() {
        match out[i] {
            b'"' => {
                let (start, end) = (i + 1, string_end(&out, i + 1));
                if content_value_next {
                    upper_case_string(&mut out[start..end]);
                    content_value_next = false;
                }
                last_string = Some((start, end));
                i = end + 1;
                continue;
            }
            b':' => {
                content_value_next = last_string.is_some_and(|(s, e)| &out[s..e] == b"content");
                last_string = None;
            }
            byte if byte.is_ascii_whitespace() => {}
            // Any other token ends a key/value pair: the next string is not a content value.
            _ => {
                last_string = None;
                content_value_next = false;
            }
        }
        i += 1;
    }
    out
}

/// Index of the quote closing the string whose text starts at `start` (or the end of the
/// text when unterminated), stepping over escaped characters.
fn string_end(text: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    text.len()
}

/// Upper-cases the raw text of one JSON string, leaving escape sequences as they are.
fn upper_case_string(text: &mut [u8]) {
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            // `\uXXXX` spans six bytes, every other escape two.
            i += if text.get(i + 1) == Some(&b'u') { 6 } else { 2 };
        } else {
            text[i].make_ascii_uppercase();
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn upper(text: &str) -> String {
        String::from_utf8(upper_case_contents(text.as_bytes())).unwrap()
    }

    #[test]
    fn upper_cases_content_values_only() {
        assert_eq!(
            upper(
                r#"{"id":"abc","choices":[{"delta":{"role":"assistant","content":"hi there\n\u00e9 \"q\" é"}}]}"#
            ),
            r#"{"id":"abc","choices":[{"delta":{"role":"assistant","content":"HI THERE\n\u00e9 \"Q\" é"}}]}"#
        );
        assert_eq!(
            upper(r#"{ "content" : "a" , "x":"content", "y":"b"}"#),
            r#"{ "content" : "A" , "x":"content", "y":"b"}"#
        );
        assert_eq!(
            upper(r#"{"content":null,"n":"x"}"#),
            r#"{"content":null,"n":"x"}"#
        );
        assert_eq!(
            upper(r#"{"content":{"content":"in"}}"#),
            r#"{"content":{"content":"IN"}}"#
        );
        assert_eq!(upper(r#"{"content":["a"]}"#), r#"{"content":["a"]}"#);
        assert_eq!(
            upper(r#"{"content":"unterminated"#),
            r#"{"content":"UNTERMINATED"#
        );
        assert_eq!(upper("[DONE]"), "[DONE]");
    }

    fn chunk(plugin: &StreamInterceptor, index: i64, body: Option<&str>) -> Value {
        let request =
            json!({"ChunkIndex": index, "Body": body.map(b64_encode), "HistoryChunks": null});
        plugin
            .handle(
                CLIPROXY_METHOD_RESPONSE_INTERCEPT_STREAM_CHUNK,
                request.to_string().as_bytes(),
            )
            .unwrap()
    }

    #[test]
    fn header_init_drop_and_rewrite() {
        let plugin = StreamInterceptor::default();
        assert_eq!(
            chunk(&plugin, -1, None),
            json!({"Headers": {"X-Stream-Intercepted": ["rust"]}})
        );
        assert_eq!(
            chunk(&plugin, 0, Some(r#"{"content":"skip me"}"#)),
            json!({"Body": b64_encode(r#"{"content":"SKIP ME"}"#)})
        );
        let register = json!({"config_yaml": b64_encode("drop: skip\n")}).to_string();
        plugin
            .handle(CLIPROXY_METHOD_PLUGIN_REGISTER, register.as_bytes())
            .unwrap();
        assert_eq!(
            chunk(&plugin, 1, Some(r#"{"content":"skip me"}"#)),
            json!({"DropChunk": true})
        );
    }
}

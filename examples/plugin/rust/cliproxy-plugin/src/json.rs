//! Editing JSON bodies as text, so that everything but the edit stays byte for byte.

use serde::de::IgnoredAny;
use serde_json::Value;

/// Inserts `"key":value` as the first member of a JSON object body, right after its `{`;
/// the rest of the body is copied unchanged (formatting, key order, number spelling).
///
/// `None` when `body` is not a single valid JSON object (arrays, scalars, SSE lines such as
/// `[DONE]`, truncated text). An existing `key` is not removed: the body then has it twice,
/// and JSON readers (Go's included) keep the last one.
pub fn insert_first_key(body: &[u8], key: &str, value: &Value) -> Option<Vec<u8>> {
    let open = body.iter().position(|b| !b.is_ascii_whitespace())?;
    // Validate the whole text without building a tree; with the first token checked to be
    // `{`, a valid text is exactly one object.
    if body[open] != b'{' || serde_json::from_slice::<IgnoredAny>(body).is_err() {
        return None;
    }
    let rest = &body[open + 1..];
    let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');

    let mut out = Vec::with_capacity(body.len() + key.len() + 32);
    out.extend_from_slice(&body[..=open]);
    // Strings and values always serialise; the key goes through the encoder for escaping.
    serde_json::to_writer(&mut out, key).expect("serialize JSON key");
    out.push(b':');
    serde_json::to_writer(&mut out, value).expect("serialize JSON value");
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn insert(body: &str) -> Option<String> {
        insert_first_key(body.as_bytes(), "x_by", &json!("rust"))
            .map(|out| String::from_utf8(out).unwrap())
    }

    #[test]
    fn inserts_after_the_opening_brace() {
        assert_eq!(
            insert(r#"{"id":"a", "n": 1.50}"#).as_deref(),
            Some(r#"{"x_by":"rust","id":"a", "n": 1.50}"#)
        );
        assert_eq!(
            insert(" \n{ \"a\":1}\n").as_deref(),
            Some(" \n{\"x_by\":\"rust\", \"a\":1}\n")
        );
    }

    #[test]
    fn empty_objects_get_no_comma() {
        assert_eq!(insert("{}").as_deref(), Some(r#"{"x_by":"rust"}"#));
        assert_eq!(insert("{ \n}").as_deref(), Some("{\"x_by\":\"rust\" \n}"));
    }

    #[test]
    fn non_objects_are_refused() {
        for body in ["", "[]", "[DONE]", "\"s\"", "{\"a\":", "{} {}", "data: {}"] {
            assert_eq!(insert(body), None, "{body:?}");
        }
    }
}

//! Small helpers for the wire format: base64 for Go `[]byte` fields, reading the plugin's
//! config YAML without a YAML parser, and searching decoded bodies.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Encodes bytes the way Go encodes a `[]byte` JSON field: standard alphabet, padded.
pub fn b64_encode(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Decodes a Go `[]byte` JSON field. Like Go, it insists on the standard alphabet with
/// canonical padding (URL-safe or unpadded input is an error).
pub fn b64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(text)
}

/// True when `needle` occurs in `haystack` (an empty needle always does). Bodies are
/// searched as bytes: they need not be UTF-8 and no decoding is wasted on them.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Reads a top-level scalar `key: value` from the plugin's config YAML (the text behind the
/// base64 `config_yaml` of `plugin.register` / `plugin.reconfigure`).
///
/// Why not a YAML parser: the host sends the plugin's own `plugins.configs.<id>` mapping,
/// re-emitted by a YAML library one key per line, and examples only need flat scalars; a
/// line scanner keeps the dependency list short. It handles what that emitter produces:
/// plain, `"double"` (common escapes) and `'single'` quoted values, quoted keys, and
/// trailing ` # comments`. It returns `None` for a missing key, for `key:` with nothing
/// after it (a nested block), for `~`/`null`, and for block/flow values (`|`, `>`, `[`, `{`).
/// Nested keys (indented lines) never match.
pub fn config_value(yaml: &str, key: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let rest = strip_key(line, key)?.trim();
        parse_scalar(rest)
    })
}

/// The text after `key:` when `line` is a top-level mapping entry for `key`.
fn strip_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let after = [("", ""), ("\"", "\""), ("'", "'")]
        .iter()
        .find_map(|(open, close)| {
            line.strip_prefix(open)?
                .strip_prefix(key)?
                .strip_prefix(close)?
                .strip_prefix(':')
        })?;
    // `key:value` is not a mapping entry in YAML; the colon must end the line or be
    // followed by whitespace.
    match after.chars().next() {
        None => Some(after),
        Some(c) if c == ' ' || c == '\t' || c == '\r' => Some(after),
        Some(_) => None,
    }
}

fn parse_scalar(value: &str) -> Option<String> {
    let mut chars = value.chars();
    match chars.next()? {
        '"' => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(out),
                    '\\' => match chars.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        other => out.push(other), // \" \\ \/ and anything rarer: literal
                    },
                    c => out.push(c),
                }
            }
            None // unterminated (a multi-line scalar): not supported
        }
        '\'' => {
            let mut out = String::new();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    if chars.as_str().starts_with('\'') {
                        chars.next();
                        out.push('\'');
                    } else {
                        return Some(out);
                    }
                } else {
                    out.push(c);
                }
            }
            None
        }
        '|' | '>' | '[' | '{' | '#' => None,
        _ => {
            // A comment starts at " #" in a plain scalar.
            let plain = match value.find(" #").or_else(|| value.find("\t#")) {
                Some(end) => value[..end].trim_end(),
                None => value,
            };
            match plain {
                "~" | "null" | "Null" | "NULL" => None,
                _ => Some(plain.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_strictness() {
        assert_eq!(b64_encode("hi"), "aGk=");
        assert_eq!(b64_decode("aGk=").unwrap(), b"hi");
        assert!(
            b64_decode("aGk").is_err(),
            "unpadded input is rejected, as in Go"
        );
        assert!(b64_decode("a_k=").is_err(), "URL-safe alphabet is rejected");
    }

    #[test]
    fn contains_bytes_cases() {
        assert!(contains_bytes(b"say forbidden-rust now", b"forbidden-rust"));
        assert!(!contains_bytes(b"forbid", b"forbidden"));
        assert!(contains_bytes(b"", b""));
        assert!(!contains_bytes(b"", b"x"));
    }

    #[test]
    fn config_values() {
        let yaml = "enabled: true\npriority: 1\nprefix: \"[echo] \"\nmode: safe # enum example\n\
                    name: 'it''s'\nnested:\n    prefix: inner\nempty: \"\"\nnone: ~\n\"quoted\": yes\nurl: http://x:1\n";
        assert_eq!(config_value(yaml, "prefix").as_deref(), Some("[echo] "));
        assert_eq!(config_value(yaml, "enabled").as_deref(), Some("true"));
        assert_eq!(config_value(yaml, "mode").as_deref(), Some("safe"));
        assert_eq!(config_value(yaml, "name").as_deref(), Some("it's"));
        assert_eq!(config_value(yaml, "nested"), None);
        assert_eq!(config_value(yaml, "empty").as_deref(), Some(""));
        assert_eq!(config_value(yaml, "none"), None);
        assert_eq!(config_value(yaml, "quoted").as_deref(), Some("yes"));
        assert_eq!(config_value(yaml, "url").as_deref(), Some("http://x:1"));
        assert_eq!(config_value(yaml, "missing"), None);
        assert_eq!(config_value("prefixes: x\n", "prefix"), None);
        assert_eq!(
            config_value("prefix: a\r\n", "prefix").as_deref(),
            Some("a")
        );
        assert_eq!(config_value("  prefix: indented\n", "prefix"), None);
    }
}

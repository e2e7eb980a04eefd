//! The plugin's config ([`Config`]) and a slot for state that reconfigure replaces while
//! other threads read it ([`Shared`]).

use std::sync::{Arc, PoisonError, RwLock};

use crate::plugin::PluginError;
use crate::types::{decode, LifecycleRequest};
use crate::util::config_value;

/// The config YAML sent in `plugin.register` / `plugin.reconfigure`, read with
/// [`config_value`] (flat scalar keys only).
///
/// An empty value (`key: ""`) counts as unset, as in the C and Go helpers, so every
/// example treats "missing" and "empty" alike and falls back to its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    yaml: String,
}

impl Config {
    pub fn from_yaml(yaml: impl Into<String>) -> Self {
        Config { yaml: yaml.into() }
    }

    /// Reads the `config_yaml` (base64 YAML) of a lifecycle request; `null` is an empty
    /// config.
    pub fn from_lifecycle_request(request: &[u8]) -> Result<Self, PluginError> {
        let request: LifecycleRequest = decode(request)?;
        Ok(Config::from_yaml(request.config_yaml.text()))
    }

    /// The value of `key`, `None` when missing or empty.
    pub fn get(&self, key: &str) -> Option<String> {
        config_value(&self.yaml, key).filter(|value| !value.is_empty())
    }

    /// The value of `key`, or `default` when missing or empty.
    pub fn get_or(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or_else(|| default.to_string())
    }

    /// A comma-separated list (see [`split_list`]), or `default` split the same way.
    pub fn list_or(&self, key: &str, default: &str) -> Vec<String> {
        split_list(&self.get_or(key, default))
    }

    /// True when `key` is the YAML boolean true.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).as_deref(), Some("true" | "True" | "TRUE"))
    }
}

/// Splits `a, b,,c` into `["a", "b", "c"]`: entries trimmed, empty ones dropped. The
/// examples' lists are comma-separated strings so that flat config readers suffice.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(String::from)
        .collect()
}

/// A value that one call replaces as a whole (typically the settings parsed on
/// `plugin.reconfigure`) while concurrent calls read it.
///
/// Readers get an `Arc` snapshot and never hold the lock while they work, so a slow call
/// never blocks a reconfigure, and a call sees either the old or the new value, never a mix.
#[derive(Debug, Default)]
pub struct Shared<T> {
    current: RwLock<Arc<T>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            current: RwLock::new(Arc::new(value)),
        }
    }

    /// The current value.
    pub fn get(&self) -> Arc<T> {
        // A poisoned lock only means a writer panicked between two whole values: the
        // stored Arc is still a complete value.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the value; calls already running keep the one they read.
    pub fn set(&self, value: T) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::b64_encode;

    #[test]
    fn reads_values_lists_and_flags() {
        let config = Config::from_yaml(
            "enabled: true\nmodels: \"a, b,,c\"\nempty: \"\"\nsuffix: \" [x]\"\nexclusive: false\n",
        );
        assert_eq!(config.get("suffix").as_deref(), Some(" [x]"), "not trimmed");
        assert_eq!(config.get("empty"), None);
        assert_eq!(config.get_or("empty", "d"), "d");
        assert_eq!(config.get_or("missing", "d"), "d");
        assert_eq!(config.list_or("models", "z"), ["a", "b", "c"]);
        assert_eq!(config.list_or("missing", "z, y"), ["z", "y"]);
        assert!(config.flag("enabled"));
        assert!(!config.flag("exclusive"));
        assert!(!config.flag("missing"));
    }

    #[test]
    fn reads_lifecycle_requests() {
        let request = format!(
            r#"{{"config_yaml":"{}","schema_version":3}}"#,
            b64_encode("mode: pick\n")
        );
        let config = Config::from_lifecycle_request(request.as_bytes()).unwrap();
        assert_eq!(config.get("mode").as_deref(), Some("pick"));
        let empty = Config::from_lifecycle_request(br#"{"config_yaml":null}"#).unwrap();
        assert_eq!(empty, Config::default());
        assert!(Config::from_lifecycle_request(b"[]").is_err());
    }

    #[test]
    fn shared_replaces_whole_values() {
        let shared = Shared::new(vec![1]);
        let before = shared.get();
        shared.set(vec![2, 3]);
        assert_eq!(*before, [1]);
        assert_eq!(*shared.get(), [2, 3]);
    }

    #[test]
    fn split_list_drops_blanks() {
        assert_eq!(split_list(" a ,b, ,"), ["a", "b"]);
        assert!(split_list("").is_empty());
    }
}

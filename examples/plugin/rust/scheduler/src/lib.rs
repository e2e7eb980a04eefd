//! `scheduler-rust`: a credential scheduler (capability `scheduler`). Only the
//! highest-priority scheduler is ever asked, once per selection attempt.
//!
//! Config `mode` (default `pick`):
//! * `pick`: picks the candidate whose ID is config `auth-id`; when none is, leaves the
//!   choice to the built-in selector (`Handled:false`);
//! * `delegate`: hands the choice to the built-in strategy named by config `delegate`
//!   (`round-robin` or `fill-first`, default `fill-first`);
//! * `deny`: fails the request with 403 (an error envelope has no fallback).

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
    CLIPROXY_METHOD_SCHEDULER_PICK,
};
use cliproxy_plugin::types::{decode, SchedulerPickRequest};
use cliproxy_plugin::{
    export_plugin, Capabilities, Config, Plugin, PluginError, Registration, Shared,
};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "scheduler-rust";
const DEFAULT_DELEGATE: &str = "fill-first";

/// What `scheduler.pick` does, parsed from the config on register/reconfigure.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Pick this credential ID when it is a candidate (`None`: `auth-id` not configured).
    Pick(Option<String>),
    /// Delegate to this built-in strategy.
    Delegate(String),
    Deny,
}

impl Mode {
    fn from_config(config: &Config) -> Result<Self, PluginError> {
        match config.get_or("mode", "pick").as_str() {
            "pick" => Ok(Mode::Pick(config.get("auth-id"))),
            "delegate" => Ok(Mode::Delegate(config.get_or("delegate", DEFAULT_DELEGATE))),
            "deny" => Ok(Mode::Deny),
            // Refuse the config rather than guess: the host then logs the message and
            // leaves the plugin inactive, which an operator notices.
            other => Err(PluginError::invalid_request(format!(
                "mode {other:?} is not one of pick, delegate, deny"
            ))),
        }
    }
}

pub struct Scheduler {
    mode: Shared<Mode>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            mode: Shared::new(Mode::Pick(None)),
        }
    }
}

impl Plugin for Scheduler {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                self.register(request)
            }
            CLIPROXY_METHOD_SCHEDULER_PICK => pick(&self.mode.get(), &decode(request)?),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(Scheduler);

impl Scheduler {
    fn register(&self, request: &[u8]) -> Result<Value, PluginError> {
        let config = Config::from_lifecycle_request(request)?;
        self.mode.set(Mode::from_config(&config)?);
        let capabilities = Capabilities {
            scheduler: true,
            ..Capabilities::default()
        };
        Ok(Registration::example(PLUGIN_NAME, capabilities)
            .config_field("mode", "string", "pick, delegate or deny.")
            .config_field("auth-id", "string", "Credential ID that pick mode chooses.")
            .config_field("delegate", "string", "Built-in strategy for delegate mode.")
            .to_value())
    }
}

fn pick(mode: &Mode, request: &SchedulerPickRequest) -> Result<Value, PluginError> {
    match mode {
        Mode::Pick(Some(wanted)) if request.candidates.iter().any(|c| &c.id == wanted) => {
            Ok(json!({ "Handled": true, "AuthID": wanted }))
        }
        Mode::Pick(_) => Ok(json!({ "Handled": false })),
        Mode::Delegate(strategy) => Ok(json!({ "Handled": true, "DelegateBuiltin": strategy })),
        Mode::Deny => Err(
            PluginError::new("denied", format!("{PLUGIN_NAME} denied the request"))
                .with_status(403),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(yaml: &str) -> Result<Mode, PluginError> {
        Mode::from_config(&Config::from_yaml(yaml))
    }

    fn pick_among(mode: &Mode, ids: &[&str]) -> Result<Value, PluginError> {
        let candidates: Vec<Value> = ids.iter().map(|id| json!({ "ID": id })).collect();
        let request = json!({ "Candidates": candidates }).to_string();
        pick(mode, &decode(request.as_bytes())?)
    }

    #[test]
    fn pick_mode() {
        let mode = mode("auth-id: b.json\n").unwrap();
        assert_eq!(
            pick_among(&mode, &["a.json", "b.json"]).unwrap(),
            json!({"Handled": true, "AuthID": "b.json"})
        );
        assert_eq!(
            pick_among(&mode, &["a.json"]).unwrap(),
            json!({"Handled": false})
        );
        assert_eq!(
            pick_among(&Mode::Pick(None), &["a.json"]).unwrap(),
            json!({"Handled": false})
        );
    }

    #[test]
    fn delegate_and_deny_modes() {
        assert_eq!(
            pick_among(&mode("mode: delegate\n").unwrap(), &[]).unwrap(),
            json!({"Handled": true, "DelegateBuiltin": "fill-first"})
        );
        assert_eq!(
            mode("mode: delegate\ndelegate: round-robin\n").unwrap(),
            Mode::Delegate("round-robin".into())
        );
        let err = pick_among(&mode("mode: deny\n").unwrap(), &["a.json"]).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str(), err.http_status),
            ("denied", "scheduler-rust denied the request", Some(403))
        );
        assert!(mode("mode: random\n").is_err());
    }
}

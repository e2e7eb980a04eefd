//! `command-line-rust`: command-line flags (capability `command_line_plugin`). The host
//! adds them to its own flags at start-up; when one is given it calls this plugin instead
//! of starting the server, prints what the plugin returned and exits with its code.
//!
//! * `-hello-rust NAME` prints `hello, NAME, from rust`;
//! * `-fail-rust` prints to stderr and exits with 3.

use cliproxy_plugin::abi::{
    CLIPROXY_METHOD_COMMAND_LINE_EXECUTE, CLIPROXY_METHOD_COMMAND_LINE_REGISTER,
    CLIPROXY_METHOD_PLUGIN_RECONFIGURE, CLIPROXY_METHOD_PLUGIN_REGISTER,
};
use cliproxy_plugin::types::{decode, Bytes, CommandLineExecuteRequest};
use cliproxy_plugin::{export_plugin, Capabilities, Plugin, PluginError, Registration};
use serde_json::{json, Value};

const PLUGIN_NAME: &str = "command-line-rust";
const HELLO_FLAG: &str = "hello-rust";
const FAIL_FLAG: &str = "fail-rust";
const FAIL_EXIT_CODE: i32 = 3;

#[derive(Default)]
pub struct CommandLine;

impl Plugin for CommandLine {
    fn handle(&self, method: &str, request: &[u8]) -> Result<Value, PluginError> {
        match method {
            CLIPROXY_METHOD_PLUGIN_REGISTER | CLIPROXY_METHOD_PLUGIN_RECONFIGURE => {
                Ok(registration())
            }
            CLIPROXY_METHOD_COMMAND_LINE_REGISTER => Ok(flags()),
            CLIPROXY_METHOD_COMMAND_LINE_EXECUTE => Ok(execute(&decode(request)?)),
            _ => Err(PluginError::unknown_method(method)),
        }
    }
}

export_plugin!(CommandLine);

fn registration() -> Value {
    let capabilities = Capabilities {
        command_line_plugin: true,
        ..Capabilities::default()
    };
    Registration::example(PLUGIN_NAME, capabilities).to_value()
}

/// `command_line.register`: the flags this plugin owns.
fn flags() -> Value {
    json!({
        "Flags": [
            { "Name": HELLO_FLAG, "Usage": "print a greeting from the rust example", "Type": "string", "DefaultValue": "" },
            { "Name": FAIL_FLAG, "Usage": "exit with code 3", "Type": "bool", "DefaultValue": "" }
        ]
    })
}

/// `command_line.execute`: `TriggeredFlags` holds only this plugin's flags that were set;
/// the failing flag wins when both are given.
fn execute(request: &CommandLineExecuteRequest) -> Value {
    if request.triggered_flags.contains_key(FAIL_FLAG) {
        return json!({
            "Stderr": Bytes::from(format!("{FAIL_FLAG} requested\n")),
            "ExitCode": FAIL_EXIT_CODE
        });
    }
    match request.triggered_flags.get(HELLO_FLAG) {
        Some(flag) => json!({
            "Stdout": Bytes::from(format!("hello, {}, from rust\n", flag.value)),
            "ExitCode": 0
        }),
        None => json!({ "ExitCode": 0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cliproxy_plugin::b64_encode;

    fn run(triggered: Value) -> Value {
        let request = json!({"Program": "cliproxy", "Args": [], "TriggeredFlags": triggered});
        execute(&decode(request.to_string().as_bytes()).unwrap())
    }

    #[test]
    fn hello_and_fail() {
        assert_eq!(
            run(
                json!({"hello-rust": {"Name": "hello-rust", "Type": "string", "Value": "Ada", "Set": true}})
            ),
            json!({"Stdout": b64_encode("hello, Ada, from rust\n"), "ExitCode": 0})
        );
        assert_eq!(
            run(
                json!({"fail-rust": {"Name": "fail-rust", "Type": "bool", "Value": "true", "Set": true}})
            ),
            json!({"Stderr": b64_encode("fail-rust requested\n"), "ExitCode": 3})
        );
        assert_eq!(run(json!(null)), json!({"ExitCode": 0}));
    }
}

//! Appending records to a log file from concurrent calls.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

/// Serialises appends made through this library. Calls arrive on many host threads, and
/// `write_all` may need several `write`s for one record; under the lock records never
/// interleave. `O_APPEND` keeps each write at the end even with other writers.
static APPEND_LOCK: Mutex<()> = Mutex::new(());

/// Appends `line` plus `\n` to the file at `path` (created if missing) as one whole line.
/// `line` should not contain a newline itself.
pub fn append_line(path: impl AsRef<Path>, line: &str) -> io::Result<()> {
    let mut record = String::with_capacity(line.len() + 1);
    record.push_str(line);
    record.push('\n');
    let _guard = APPEND_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(record.as_bytes())
}

/// Appends `value` as one line of compact JSON (JSON Lines). Compact JSON escapes the
/// newlines inside strings, so the record is always a single line.
pub fn append_json_line(path: impl AsRef<Path>, value: &Value) -> io::Result<()> {
    append_line(path, &value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::thread;

    #[test]
    fn concurrent_appends_stay_whole_lines() {
        let path =
            std::env::temp_dir().join(format!("cliproxy-append-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let long = "x".repeat(64 * 1024);
        thread::scope(|scope| {
            for t in 0..8 {
                let (path, long) = (&path, &long);
                scope.spawn(move || {
                    for i in 0..20 {
                        append_json_line(path, &json!({"t": t, "i": i, "pad": long, "nl": "a\nb"}))
                            .unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 160);
        for line in lines {
            let record: Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["nl"], "a\nb");
        }
    }
}

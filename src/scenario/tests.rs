//! Scenario parsing: valid files are typed, every invalid value is an error
//! that names its file, line, key and fix.

use std::path::Path;
use std::time::Duration;

use super::parse::validate;
use super::*;

const VALID: &str = r#"
name = "t"
[load]
requests = 10
concurrency = 2
[modes]
pooled = { limit = 3 }
per_request_client = {}
"#;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    validate(Path::new("s.toml"), text)
}

/// Replaces `from` in the valid scenario and returns the error.
fn error_with(from: &str, to: &str) -> ScenarioError {
    assert!(VALID.contains(from), "{from:?} not in the base scenario");
    parse(&VALID.replacen(from, to, 1)).expect_err("should be rejected")
}

fn line_of(e: &ScenarioError) -> usize {
    e.location.as_ref().expect("has a location").line
}

#[test]
fn valid_scenario_is_typed() -> Result<(), ScenarioError> {
    let s = parse(VALID)?;
    assert_eq!(s.load.stop, Stop::Requests(10));
    assert_eq!(s.load.concurrency, 2);
    assert_eq!(s.modes.len(), 2);
    assert_eq!(s.modes[0].kind, ModeKind::Pooled);
    assert_eq!(s.modes[0].limit.map(|l| l.get()), Some(3));
    assert!(matches!(s.target, Target::Bundled(_)));
    Ok(())
}

#[test]
fn shipped_scenarios_are_valid() -> std::io::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    for entry in std::fs::read_dir(dir)? {
        if let Err(e) = Scenario::load(&entry?.path()) {
            panic!("{e}");
        }
    }
    Ok(())
}

#[test]
fn unknown_key_suggests_the_closest() {
    let e = error_with("concurrency = 2", "concurency = 2");
    assert_eq!(e.key.as_deref(), Some("load.concurency"));
    assert_eq!(line_of(&e), 5);
    assert_eq!(e.help.as_deref(), Some("did you mean `concurrency`?"));
}

#[test]
fn unknown_mode_lists_the_modes() {
    let e = error_with("per_request_client = {}", "per_request = {}");
    assert_eq!(e.key.as_deref(), Some("modes.per_request"));
    assert!(e.help.is_some_and(|h| h.contains("per_request_client")));
}

#[test]
fn type_error_names_the_key() {
    let e = error_with("concurrency = 2", "concurrency = \"two\"");
    assert_eq!(e.key.as_deref(), Some("load.concurrency"));
    assert_eq!(line_of(&e), 5);
    assert!(e.message.contains("invalid type"), "{}", e.message);
}

#[test]
fn impossible_values_are_rejected_with_their_key() {
    let cases = [
        (
            "concurrency = 2",
            "concurrency = 0",
            "load.concurrency",
            "at least 1",
        ),
        (
            "requests = 10",
            "requests = -1",
            "load.requests",
            "at least 1",
        ),
        ("limit = 3", "limit = 0", "modes.pooled.limit", "at least 1"),
        (
            "requests = 10",
            "duration = \"-5s\"",
            "load.duration",
            "negative",
        ),
        (
            "requests = 10",
            "duration = \"soon\"",
            "load.duration",
            "not a duration",
        ),
        ("name = \"t\"", "name = \"  \"", "name", "empty"),
    ];
    for (from, to, key, message) in cases {
        let e = error_with(from, to);
        assert_eq!(e.key.as_deref(), Some(key), "{to}");
        assert!(e.message.contains(message), "{to}: {}", e.message);
        assert!(e.help.is_some(), "{to} has no help");
    }
}

#[test]
fn bad_target_url_is_rejected() -> Result<(), ScenarioError> {
    for url in ["not a url", "ftp://127.0.0.1/", "/just/a/path"] {
        let text = format!("{VALID}[target]\nurl = \"{url}\"\n");
        let e = parse(&text).expect_err(url);
        assert_eq!(e.key.as_deref(), Some("target.url"), "{url}");
        assert_eq!(line_of(&e), 10, "{url}");
    }
    let ok = parse(&format!(
        "{VALID}[target]\nurl = \"http://127.0.0.1:9/x\"\n"
    ))?;
    assert!(matches!(ok.target, Target::External { .. }));
    Ok(())
}

#[test]
fn contradictions_and_omissions_are_rejected() {
    let both = error_with("requests = 10", "requests = 10\nduration = \"1s\"");
    assert!(both.message.contains("not both"));
    let neither = error_with("requests = 10\n", "");
    assert_eq!(neither.key.as_deref(), Some("load"));
    let no_modes =
        parse(&VALID.replace("pooled = { limit = 3 }\nper_request_client = {}\n", "")).unwrap_err();
    assert_eq!(no_modes.key.as_deref(), Some("modes"));
    let no_limit = error_with("pooled = { limit = 3 }", "pooled = {}");
    assert_eq!(no_limit.key.as_deref(), Some("modes.pooled.limit"));
}

#[test]
fn sizes_and_durations_in_the_server_table() -> Result<(), ScenarioError> {
    let s = parse(&format!(
        "{VALID}[server]\nthink_time = \"2ms\"\nbody_size = \"4KiB\"\nmax_requests_per_connection = 5\n"
    ))?;
    let Target::Bundled(config) = s.target else {
        panic!("bundled")
    };
    assert_eq!(config.think_time, Duration::from_millis(2));
    assert_eq!(config.body_size, 4096);
    assert_eq!(config.max_requests_per_connection, 5);
    let e = parse(&format!("{VALID}[server]\nbody_size = \"4 parsecs\"\n")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("server.body_size"));
    Ok(())
}

#[test]
fn a_check_error_after_an_escape_points_at_the_right_column() {
    let line = r#"check = "pooled.p99 <= 20 \u00b5x""#;
    let e = parse(&format!("{VALID}[[gate]]\n{line}\n")).unwrap_err();
    let location = e.location.clone().expect("located");
    assert_eq!(location.line_text, line);
    // The caret is under the escape that wrote the offending µ.
    let column = line.find("\\u00b5").map(|i| i + 1);
    assert_eq!(Some(location.column), column, "{e}");
    assert!(e.message.contains("unexpected text"), "{e}");
}

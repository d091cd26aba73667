//! Scenario parsing: valid files are typed, every invalid value is an error
//! that names its file, line, key and fix.

use std::path::Path;
use std::time::Duration;

use super::parse::validate;
use super::*;
use crate::engine::Stop;
use crate::results::BodyHandling;

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
    validate(
        Path::new("s.toml"),
        text,
        &crate::modes::Catalogue::STANDARD,
    )
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
    assert_eq!(s.modes[0].kind.name, "pooled");
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

const NAMED: &str = r#"
name = "t"
[load]
requests = 10
concurrency = 2
[modes]
starved = { kind = "pooled", limit = 2 }
pooled = { limit = 50, idle_timeout = "5s" }
per_request_client = {}
"#;

#[test]
fn one_kind_runs_under_several_names_in_the_file_order() -> Result<(), ScenarioError> {
    let s = parse(NAMED)?;
    let got: Vec<(&str, &str, Option<u32>)> = s
        .modes
        .iter()
        .map(|m| (m.label.as_str(), m.kind.name, m.limit.map(|l| l.get())))
        .collect();
    assert_eq!(
        got,
        [
            ("starved", "pooled", Some(2)),
            ("pooled", "pooled", Some(50)),
            ("per_request_client", "per_request_client", None),
        ]
    );
    assert_eq!(
        s.modes[1].settings.idle_timeout,
        Some(Some(Duration::from_secs(5)))
    );
    // Checks name modes by their names.
    parse(&format!(
        "{NAMED}[[gate]]\ncheck = \"starved.throughput < pooled.throughput\"\n"
    ))?;
    let e = parse(&format!(
        "{NAMED}[[gate]]\ncheck = \"hyper_util.p99 < 1s\"\n"
    ))
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("gate.check"));
    Ok(())
}

#[test]
fn named_modes_are_checked_setting_by_setting() {
    let named = |from: &str, to: &str| {
        assert!(NAMED.contains(from), "{from:?}");
        parse(&NAMED.replacen(from, to, 1)).expect_err("should be rejected")
    };
    let no_kind = named(
        "starved = { kind = \"pooled\", limit = 2 }",
        "starved = { limit = 2 }",
    );
    assert_eq!(no_kind.key.as_deref(), Some("modes.starved"));
    assert!(
        no_kind
            .help
            .is_some_and(|h| h.contains("kind = \"pooled\""))
    );
    let bad_kind = named("kind = \"pooled\"", "kind = \"pool\"");
    assert_eq!(bad_kind.key.as_deref(), Some("modes.starved.kind"));
    assert!(
        bad_kind
            .help
            .is_some_and(|h| h.contains("keep_alive_disabled"))
    );
    let limit = named(
        "per_request_client = {}",
        "per_request_client = { limit = 4 }",
    );
    assert_eq!(limit.key.as_deref(), Some("modes.per_request_client.limit"));
    assert!(limit.message.contains("does not apply"), "{limit}");
    let setting = named(
        "per_request_client = {}",
        "hyper_util = { max_lifetime = \"1s\" }",
    );
    assert_eq!(
        setting.key.as_deref(),
        Some("modes.hyper_util.max_lifetime")
    );
    let label = named("starved = {", "\"starved-2\" = {");
    assert!(label.message.contains("not a usable mode name"), "{label}");
    // A mistyped kind is given its nearest.
    let near = named("kind = \"pooled\"", "kind = \"poooled\"");
    assert!(
        near.help
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean `pooled`?")),
        "{near}"
    );
    let near = named("per_request_client = {}", "per_request = {}");
    assert!(
        near.help
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `per_request_client`?")),
        "{near}"
    );
}

#[test]
fn body_handling_is_read_drop_or_hold_for_a_while() -> Result<(), ScenarioError> {
    let with = |settings: &str| {
        parse(&NAMED.replacen(
            "per_request_client = {}",
            &format!("per_request_client = {{ {settings} }}"),
            1,
        ))
    };
    let body = |s: Scenario| s.modes[2].body;
    assert_eq!(body(parse(NAMED)?), BodyHandling::Read);
    assert_eq!(body(with("body = \"drop\"")?), BodyHandling::Drop);
    assert_eq!(
        body(with("body = \"hold\", hold = \"20ms\"")?),
        BodyHandling::Hold { hold_us: 20_000 }
    );
    let key = |e: ScenarioError| e.key.unwrap_or_default();
    assert_eq!(
        key(with("body = \"hold\"").unwrap_err()),
        "modes.per_request_client.body"
    );
    assert_eq!(
        key(with("hold = \"20ms\"").unwrap_err()),
        "modes.per_request_client.hold"
    );
    let unknown = with("body = \"skip\"").unwrap_err();
    assert!(unknown.help.is_some_and(|h| h.contains("\"drop\"")));
    Ok(())
}

#[test]
fn open_files_is_bounded_below() -> Result<(), ScenarioError> {
    let s = parse(&VALID.replace("concurrency = 2", "concurrency = 2\nopen_files = 256"))?;
    assert_eq!(s.load.open_files, Some(256));
    assert_eq!(parse(VALID)?.load.open_files, None);
    let e = error_with("concurrency = 2", "concurrency = 2\nopen_files = 8");
    assert_eq!(e.key.as_deref(), Some("load.open_files"));
    assert!(e.message.contains("at least 32"), "{e}");
    Ok(())
}

#[test]
fn the_servers_cap_and_what_happens_over_it() -> Result<(), ScenarioError> {
    let s = parse(&format!(
        "{VALID}[server]\nmax_connections = 16\nover_capacity = \"queue\"\n"
    ))?;
    let Target::Bundled(config) = s.target else {
        panic!("bundled")
    };
    assert_eq!(config.max_connections, 16);
    assert_eq!(config.over_capacity, crate::server::OverCapacity::Queue);
    let e = parse(&format!("{VALID}[server]\nover_capacity = \"drop\"\n")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("server.over_capacity"));
    assert!(e.help.is_some_and(|h| h.contains("\"refuse\"")));
    Ok(())
}

#[test]
fn a_limit_sweep_runs_one_named_mode_per_limit() -> Result<(), ScenarioError> {
    let sweep = VALID.replace("limit = 3", "limit = [1, 4, 16]");
    let s = parse(&sweep)?;
    let got: Vec<(&str, Option<u32>, Option<&str>)> = s
        .modes
        .iter()
        .map(|m| {
            (
                m.label.as_str(),
                m.limit.map(|l| l.get()),
                m.sweep.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("pooled_1", Some(1), Some("pooled")),
            ("pooled_4", Some(4), Some("pooled")),
            ("pooled_16", Some(16), Some("pooled")),
            ("per_request_client", None, None),
        ]
    );
    // Checks name the points, and the sweep's recommendation.
    parse(&format!(
        "{sweep}[[gate]]\ncheck = \"pooled.recommended_limit <= 16\"\n[[gate]]\ncheck = \"pooled_16.throughput > 0\"\n"
    ))?;
    let e = parse(&format!("{sweep}[[gate]]\ncheck = \"pooled.p99 < 1s\"\n")).unwrap_err();
    assert!(e.message.contains("is a limit sweep"), "{e}");
    assert!(e.help.is_some_and(|h| h.contains("pooled_16")));
    Ok(())
}

#[test]
fn a_sweep_must_be_ascending_and_its_names_free() {
    let e = error_with("limit = 3", "limit = [4, 2]");
    assert_eq!(e.key.as_deref(), Some("modes.pooled.limit"));
    assert!(e.message.contains("ascending"), "{e}");
    let e = error_with("limit = 3", "limit = []");
    assert!(e.message.contains("sweeps 0 limits"), "{e}");
    let e = error_with("limit = 3", "limit = [1, 0]");
    assert!(e.message.contains("at least 1"), "{e}");
    let clash = parse(&VALID.replace("limit = 3", "limit = [1, 2]").replace(
        "per_request_client = {}",
        "pooled_2 = { kind = \"pooled\", limit = 5 }",
    ))
    .unwrap_err();
    assert!(
        clash.message.contains("second mode named pooled_2"),
        "{clash}"
    );
}

#[test]
fn a_unix_socket_is_a_transport_of_its_own() -> Result<(), ScenarioError> {
    let modes = "[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = { limit = 1 }\n";
    let own = parse(&format!(
        "name = \"u\"\n[target]\nurl = \"unix:///run/app.sock\"\n{modes}"
    ))?;
    assert_eq!(own.transports, [Transport::Unix]);
    assert!(
        matches!(&own.target, Target::External { unix: Some(p), .. } if p.ends_with("app.sock"))
    );
    let both = parse(&format!("name = \"u\"\n[server]\nunix = true\n{modes}"))?;
    assert_eq!(both.transports, [Transport::Http, Transport::Unix]);
    let cases = [
        ("[target]\nurl = \"unix://run.sock\"", "target.url"),
        ("[server]\nunix = true\n[link]\nrtt = \"1ms\"", "link"),
    ];
    for (section, key) in cases {
        let e = parse(&format!("name = \"u\"\n{section}\n{modes}")).expect_err(section);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
        assert!(e.help.is_some());
    }
    Ok(())
}

#[test]
fn a_proxy_is_yours_at_a_url_or_poolbenchs_own() -> Result<(), ScenarioError> {
    let modes = "[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = { limit = 1 }\n";
    let with = |proxy: &str| parse(&format!("name = \"p\"\n[proxy]\n{proxy}\n{modes}"));
    assert_eq!(with("bundled = true")?.proxy, Some(ProxySpec::Bundled));
    let yours = with("url = \"http://127.0.0.1:3128\"")?.proxy;
    assert!(matches!(yours, Some(ProxySpec::At(u)) if u.port_u16() == Some(3128)));
    for (proxy, key) in [
        ("url = \"https://p:3128\"", "proxy.url"),
        ("url = \"http://p:1\"\nbundled = true", "proxy"),
        ("bundled = false", "proxy"),
    ] {
        let e = with(proxy).expect_err(proxy);
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
    }
    Ok(())
}

#[test]
fn reqwest_dials_its_own_connections_so_it_takes_no_link() {
    let text = "name = \"r\"\n[link]\nrtt = \"1ms\"\n[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = { limit = 1 }\nreqwest = {}\n";
    let e = parse(text).expect_err("reqwest through the link");
    assert_eq!(e.key.as_deref(), Some("modes.reqwest"), "{e}");
    assert_eq!(e.location.map(|l| l.line), Some(9));
    assert!(e.help.is_some_and(|h| h.contains("[link]")));
    let direct = text.replace("[link]\nrtt = \"1ms\"\n", "");
    assert!(parse(&direct).is_ok());
}

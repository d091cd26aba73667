//! `[[authority]]` parsing: weights, per-authority server settings, and
//! authorities at URLs of the user's own servers; every mistake named by
//! file, line and key.

use std::path::Path;
use std::time::Duration;

use super::parse::validate;
use super::*;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    validate(
        Path::new("s.toml"),
        text,
        &crate::modes::Catalogue::STANDARD,
    )
}

const AUTHORITIES: &str = r#"
name = "t"
[server]
body_size = "1KiB"
[[authority]]
name = "api"
server = { think_time = "50ms" }
[[authority]]
name = "cdn"
weight = 9
[load]
requests = 10
concurrency = 2
[modes]
pooled = { limit = 3 }
"#;

#[test]
fn several_authorities_have_weights_and_their_own_server() -> Result<(), ScenarioError> {
    let s = parse(AUTHORITIES)?;
    let got: Vec<(&str, u32, Option<Duration>, Option<u64>)> = s
        .authorities
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.weight,
                a.server().map(|c| c.think_time),
                a.server().map(|c| c.body_size),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("api", 1, Some(Duration::from_millis(50)), Some(1024)),
            ("cdn", 9, Some(Duration::ZERO), Some(1024)),
        ]
    );
    parse(&format!(
        "{AUTHORITIES}[[gate]]\ncheck = \"pooled.cdn.p99 < pooled.api.p99\"\n"
    ))?;
    let e = parse(&format!(
        "{AUTHORITIES}[[gate]]\ncheck = \"pooled.api.cpu < 1\"\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("not a figure per authority"), "{e}");
    Ok(())
}

#[test]
fn authorities_are_named_uniquely_and_need_the_bundled_server() {
    let with = |from: &str, to: &str| {
        assert!(AUTHORITIES.contains(from), "{from:?}");
        parse(&AUTHORITIES.replacen(from, to, 1)).expect_err("should be rejected")
    };
    let twice = with("name = \"cdn\"", "name = \"api\"");
    assert!(twice.message.contains("twice"), "{twice}");
    let figure = with("name = \"cdn\"", "name = \"p99\"");
    assert!(
        figure.message.contains("is a transport or a figure"),
        "{figure}"
    );
    let key = with("think_time = \"50ms\"", "think_time = \"fast\"");
    assert_eq!(key.key.as_deref(), Some("authority.api.server.think_time"));
    let weight = with("weight = 9", "weight = 0");
    assert_eq!(weight.key.as_deref(), Some("authority.cdn.weight"));
    let external = parse(&AUTHORITIES.replace(
        "[server]\nbody_size = \"1KiB\"",
        "[target]\nurl = \"http://127.0.0.1:9/\"",
    ))
    .unwrap_err();
    assert!(external.message.contains("has no url"), "{external}");
}

const URLS: &str = r#"
name = "mine"
[load]
requests = 10
concurrency = 2
[modes]
pooled = { limit = 3 }
[[authority]]
name = "api"
url = "http://alice:secret@127.0.0.1:8081/"
[[authority]]
name = "cdn"
weight = 3
url = "http://127.0.0.2:8082/static"
"#;

#[test]
fn authorities_can_be_your_own_servers_by_url() -> Result<(), ScenarioError> {
    let s = parse(URLS)?;
    let urls: Vec<(String, bool)> = s
        .authorities
        .iter()
        .map(|a| match &a.target {
            Target::External {
                url, credentials, ..
            } => (url.to_string(), credentials.is_some()),
            Target::Bundled(_) => (String::new(), false),
        })
        .collect();
    assert_eq!(
        urls,
        [
            ("http://127.0.0.1:8081/".to_string(), true),
            ("http://127.0.0.2:8082/static".to_string(), false)
        ]
    );
    assert!(matches!(s.target, Target::External { .. }));
    assert_eq!(s.transports, [Transport::Http]);
    let with = |from: &str, to: &str| {
        assert!(URLS.contains(from), "{from:?}");
        parse(&URLS.replacen(from, to, 1)).expect_err("should be rejected")
    };
    let missing = with("url = \"http://127.0.0.2:8082/static\"", "");
    assert_eq!(
        missing.key.as_deref(),
        Some("authority.cdn.url"),
        "{missing}"
    );
    let schemes = with("http://127.0.0.2", "https://127.0.0.2");
    assert!(schemes.message.contains("is https"), "{schemes}");
    let server = with("weight = 3", "server = { think_time = \"1ms\" }");
    assert_eq!(
        server.key.as_deref(),
        Some("authority.cdn.server"),
        "{server}"
    );
    let bad = with("http://127.0.0.2:8082/static", "ftp://x/");
    assert_eq!(bad.key.as_deref(), Some("authority.cdn.url"), "{bad}");
    let both = parse(&format!("{URLS}[server]\nthink_time = \"1ms\"\n")).unwrap_err();
    assert!(both.message.contains("URLs of your own"), "{both}");
    Ok(())
}

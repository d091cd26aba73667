//! The settings of the clients poolbench drives but did not write (awc,
//! reqwest): each takes what its users set, nothing of another's, and is
//! refused where it cannot run — every refusal named by line and key.

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

fn with_modes(before: &str, modes: &str) -> String {
    format!("name = \"c\"\n{before}[load]\nrequests = 10\nconcurrency = 2\n[modes]\n{modes}\n")
}

#[test]
fn awc_and_reqwest_take_their_own_settings() -> Result<(), ScenarioError> {
    let s = parse(&with_modes(
        "",
        "awc = { limit = 4, keep_alive = false, idle_timeout = \"5s\", max_lifetime = \"0\" }\nreqwest = { idle_timeout = \"30s\", max_idle_per_host = 2 }\nplain = { kind = \"reqwest\" }",
    ))?;
    let (awc, reqwest, plain) = (&s.modes[0], &s.modes[1], &s.modes[2]);
    assert_eq!(awc.kind.name, "awc");
    assert_eq!(awc.limit.map(|l| l.get()), Some(4));
    assert!(awc.keep_alive_off());
    assert_eq!(
        awc.settings.idle_timeout,
        Some(Some(Duration::from_secs(5)))
    );
    assert_eq!(awc.settings.max_lifetime, Some(None), "\"0\": never");
    assert_eq!(
        reqwest.settings.idle_timeout,
        Some(Some(Duration::from_secs(30)))
    );
    assert_eq!(reqwest.settings.max_idle_per_host, Some(2));
    assert_eq!(
        plain.settings,
        crate::modes::Settings::default(),
        "reqwest's own defaults"
    );
    Ok(())
}

#[test]
fn a_setting_of_another_client_is_refused() {
    for (mode, key) in [
        (
            "pooled = { limit = 1, max_idle_per_host = 2 }",
            "modes.pooled.max_idle_per_host",
        ),
        (
            "awc = { limit = 1, max_idle_per_host = 2 }",
            "modes.awc.max_idle_per_host",
        ),
        (
            "awc = { limit = 1, acquire_timeout = \"1s\" }",
            "modes.awc.acquire_timeout",
        ),
        (
            "reqwest = { keep_alive = false }",
            "modes.reqwest.keep_alive",
        ),
        (
            "reqwest = { max_lifetime = \"1s\" }",
            "modes.reqwest.max_lifetime",
        ),
        (
            "hyper_util = { idle_timeout = \"1s\" }",
            "modes.hyper_util.idle_timeout",
        ),
        ("awc = {}", "modes.awc.limit"),
    ] {
        let e = parse(&with_modes("", mode)).expect_err(mode);
        assert_eq!(e.key.as_deref(), Some(key), "{mode}: {e}");
        assert_eq!(e.location.as_ref().map(|l| l.line), Some(6), "{mode}: {e}");
    }
}

#[test]
fn awc_is_refused_where_it_cannot_run() {
    // No proxy support in awc.
    let proxied = with_modes("[proxy]\nbundled = true\n", "awc = { limit = 2 }");
    let e = parse(&proxied).expect_err("awc through a proxy");
    assert_eq!(e.key.as_deref(), Some("modes.awc"), "{e}");
    assert!(e.help.is_some_and(|h| h.contains("[proxy]")));
    // HTTP/2 only over TLS.
    let h2c = with_modes("", "awc = { limit = 2, http = \"2\" }");
    let e = parse(&h2c).expect_err("awc h2c");
    assert!(e.message.contains("only over TLS"), "{e}");
    let tls = with_modes(
        "[server]\ntls = true\n",
        "awc = { limit = 2, http = \"2\" }",
    );
    assert!(parse(&tls).is_ok());
    // Keep-alive off has no meaning over HTTP/2, for awc as for the pool.
    for mode in [
        "awc = { limit = 2, http = \"2\", keep_alive = false }",
        "awc = { limit = 2, http = \"auto\", keep_alive = false }",
        "pooled = { limit = 2, http = \"2\", keep_alive = false }",
    ] {
        let e = parse(&with_modes("[server]\ntls = true\n", mode)).expect_err(mode);
        assert!(e.key.is_some_and(|k| k.ends_with(".keep_alive")), "{mode}");
    }
    // The link and a Unix socket are poolbench's connector's: awc takes them.
    let linked = with_modes("[link]\nrtt = \"1ms\"\n", "awc = { limit = 2 }");
    assert!(parse(&linked).is_ok());
    let unix = with_modes("[server]\nunix = true\n", "awc = { limit = 2 }");
    assert!(parse(&unix).is_ok());
}

#[test]
fn a_check_on_a_figure_the_client_cannot_observe_is_refused() {
    let with = |check: &str| {
        parse(&format!(
            "name = \"t\"\n[load]\nrequests = 2\nconcurrency = 1\n[modes]\nreqwest = {{}}\n[[gate]]\ncheck = \"{check}\"\n"
        ))
    };
    for unseen in [
        "reqwest.closed_first.server == 0",
        "reqwest.peak_connections <= 8",
        "reqwest.peak_connections.client.per_round <= 8",
    ] {
        let e = with(unseen).unwrap_err();
        assert!(
            e.message.contains("`reqwest` cannot observe"),
            "{unseen}: {e}"
        );
    }
    assert!(
        with("reqwest.peak_connections.server <= 8").is_ok(),
        "the server's side is seen"
    );
}

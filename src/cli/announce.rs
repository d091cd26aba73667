//! What `run` says on stderr before it starts: what a run without a file
//! runs and where its report goes, and which modes `--limit` applied to.

/// What a run without a file runs and where its report goes, and which
/// modes `--limit` applied to: said before the run, on stderr.
pub(super) fn announce(
    no_file: bool,
    overrides: &crate::scenario::overrides::Overrides,
    scenario: &crate::scenario::Scenario,
    out: &std::path::Path,
) {
    if no_file {
        use crate::scenario::overrides::{DEFAULT_CONCURRENCY, DEFAULT_REQUESTS};
        let how_much = match (&overrides.duration, overrides.requests) {
            (Some(d), _) => format!("for {d} per mode"),
            (None, n) => format!("{} requests per mode", n.unwrap_or(DEFAULT_REQUESTS)),
        };
        say!(
            "poolbench: no scenario file: {} against {}, {how_much}, {} at once \
             (-n, -z, -c, --mode, --limit, --rate, -m, -H and -d change that); the report \
             goes to {}",
            overrides
                .modes
                .as_ref()
                .map_or("every mode".to_string(), |m| m.join(", ")),
            match (&overrides.url, &overrides.urls) {
                (Some(url), _) => crate::redact::shown(url),
                (None, Some(list)) => format!("the URLs of {}", list.display()),
                (None, None) => "?".into(),
            },
            overrides.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
            out.display()
        );
    }
    if let Some(limit) = overrides.limit {
        let (took, not): (Vec<_>, Vec<_>) = scenario
            .modes
            .iter()
            .partition(|m| m.kind.limit && m.sweep.is_none());
        let names = |ms: &[&crate::modes::ModeSpec]| {
            ms.iter()
                .map(|m| m.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !not.is_empty() {
            say!(
                "poolbench: --limit {limit} applies to {}; {} {} no limit (a limit sweep keeps \
                 its own)",
                match took.is_empty() {
                    true => "no mode".to_string(),
                    false => names(&took),
                },
                names(&not),
                if not.len() == 1 { "takes" } else { "take" }
            );
        }
    }
}

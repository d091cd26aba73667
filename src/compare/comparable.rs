//! Whether two results files can be compared figure by figure: the same
//! scenario, run the same way (load, target, link, TLS, authorities, modes
//! and their settings). Rounds may differ — figures are compared as means
//! per round. Each difference is named by its path in results.json, so a
//! refusal says exactly what differs.
//!
//! Where the runs happened (poolbench version and commit, machine) is not a
//! reason to refuse, but it is said.

use serde_json::{Map, Value};

use crate::results::{ModeResult, Results};

/// What was run differently, one line per difference; empty: comparable.
pub fn differences(base: &Results, new: &Results) -> Vec<String> {
    let mut out = Vec::new();
    diff("scenario", &what_ran(base), &what_ran(new), &mut out);
    diff("modes", &modes(base), &modes(new), &mut out);
    out
}

/// What differs about where and with what the runs happened.
pub fn circumstances(base: &Results, new: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let (b, n) = (&base.environment, &new.environment);
    let pairs = [
        (
            "poolbench_version",
            &base.poolbench_version,
            &new.poolbench_version,
        ),
        (
            "environment.poolbench_commit",
            &b.poolbench_commit,
            &n.poolbench_commit,
        ),
        ("environment.cpu_model", &b.cpu_model, &n.cpu_model),
        ("environment.kernel", &b.kernel, &n.kernel),
    ];
    for (path, b, n) in pairs {
        if b != n {
            out.push(format!("{path}: {b} in base, {n} in new"));
        }
    }
    if b.cores != n.cores {
        out.push(format!(
            "environment.cores: {} in base, {} in new",
            b.cores, n.cores
        ));
    }
    let rounds = |r: &Results| r.scenario.load.repeat;
    if rounds(base) != rounds(new) {
        out.push(format!(
            "rounds: {} in base, {} in new — figures are compared as means per round",
            rounds(base),
            rounds(new)
        ));
    }
    out
}

/// The scenario as it bears on the figures: not its text, description or
/// file, not the bundled server's ports (new every run), not the rounds.
fn what_ran(r: &Results) -> Value {
    let mut v = serde_json::to_value(&r.scenario).unwrap_or(Value::Null);
    if let Value::Object(o) = &mut v {
        for key in ["description", "file", "source"] {
            o.remove(key);
        }
        if r.scenario.server.is_some() {
            o.remove("urls");
        }
        if let Some(Value::Object(link)) = o.get_mut("link") {
            link.remove("dialled");
        }
        if let Some(Value::Object(load)) = o.get_mut("load") {
            load.remove("repeat");
        }
    }
    v
}

/// Each mode's settings, by its name and transport.
fn modes(r: &Results) -> Value {
    let settings = |m: &ModeResult| {
        serde_json::json!({
            "kind": m.mode,
            "limit": m.limit,
            "global_limit": m.global_limit,
            "body": m.body,
            "sweep": m.sweep,
        })
    };
    let map: Map<String, Value> = r
        .modes
        .iter()
        .map(|m| (format!("{} ({})", m.label, m.transport.name()), settings(m)))
        .collect();
    Value::Object(map)
}

/// Appends every difference between `a` (base) and `b` (new) under `path`.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(bv) => diff(&p, av, bv, out),
                    None => out.push(format!("{p}: only in base")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: only in new"));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (av, bv)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), av, bv, out);
            }
        }
        (Value::Array(a), Value::Array(b)) => out.push(format!(
            "{path}: {} entries in base, {} in new",
            a.len(),
            b.len()
        )),
        _ if a != b => out.push(format!("{path}: {a} in base, {b} in new")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_run_is_comparable_and_a_changed_setting_is_named() {
        let base = crate::results::example();
        assert_eq!(differences(&base, &base), Vec::<String>::new());
        let mut new = base.clone();
        new.scenario.load.concurrency += 1;
        new.scenario.source.push_str("# a comment\n");
        new.scenario.load.repeat += 2;
        new.modes[1].limit = Some(99);
        new.modes.pop();
        let found = differences(&base, &new);
        assert_eq!(found.len(), 3, "{found:?}");
        let has = |text: &str| found.iter().any(|f| f.contains(text));
        assert_eq!(found[0], "scenario.load.concurrency: 50 in base, 51 in new");
        assert!(has("(https).limit: 10 in base, 99 in new"), "{found:?}");
        assert!(has("(https): only in base"), "{found:?}");
        let notes = circumstances(&base, &new);
        assert!(notes.iter().any(|n| n.starts_with("rounds:")), "{notes:?}");
    }
}

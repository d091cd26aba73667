//! The command line's values in place of a scenario file's —
//! `poolbench run scenarios/x.toml -n 500 -c 10 --url …` — or, with no
//! file, a scenario of the command line alone: `poolbench run --url URL`.
//!
//! The file is validated as written first (so its own mistakes point at
//! its own lines); then the flags are set in its TOML, and the result is
//! validated again as the scenario that runs. The report keeps that text,
//! headed by the flags that made it, so it shows what actually ran.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{Scenario, ScenarioError};
use crate::modes::Catalogue;

/// Values from the command line, each replacing the scenario's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Send requests here: the target instead of the bundled server.
    pub url: Option<String>,
    /// Measured requests per mode.
    pub requests: Option<u64>,
    /// Measured time per mode, e.g. "10s".
    pub duration: Option<String>,
    /// Tasks sending at once.
    pub concurrency: Option<u64>,
    /// Only these modes, by name.
    pub modes: Option<Vec<String>>,
    /// The connection limit of every pooled and keep-alive-off mode.
    pub limit: Option<u64>,
    /// Open loop at this many requests per second.
    pub rate: Option<f64>,
    /// A URL list (`[request] urls_file`), absolute.
    pub urls: Option<PathBuf>,
    /// The request's method, headers (added to the scenario's) and body.
    pub method: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    /// `--redact`: headers whose values are secrets (`[request] redact`).
    pub redact: Vec<String>,
    /// Rounds: every mode runs this many times, interleaved.
    pub repeat: Option<u64>,
    /// Requests sent before measuring.
    pub warmup: Option<u64>,
    /// A request not complete after this is a timeout, e.g. "5s".
    pub timeout: Option<String>,
    /// The HTTP version of every mode: "1.1", "2" or "auto".
    pub http: Option<String>,
    /// `--insecure`: the target's certificate is not checked.
    pub insecure: bool,
    /// `--ca`: the CA to trust for an https target, absolute.
    pub ca: Option<PathBuf>,
}

/// `-d`: a body given inline, or a file's content (`-d @file`).
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Text(String),
    File(PathBuf),
}

/// Without a scenario file: requests per mode and tasks.
pub const DEFAULT_REQUESTS: u64 = 1000;
pub const DEFAULT_CONCURRENCY: u64 = 50;

impl Overrides {
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }

    /// The flags as a user would type them, for the report's record.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(u) = &self.url {
            parts.push(format!("--url {u}"));
        }
        if let Some(n) = self.requests {
            parts.push(format!("-n {n}"));
        }
        if let Some(d) = &self.duration {
            parts.push(format!("-z {d}"));
        }
        if let Some(c) = self.concurrency {
            parts.push(format!("-c {c}"));
        }
        if let Some(m) = &self.modes {
            parts.push(format!("--mode {}", m.join(",")));
        }
        if let Some(l) = self.limit {
            parts.push(format!("--limit {l}"));
        }
        if let Some(r) = self.rate {
            parts.push(format!("--rate {r}"));
        }
        if let Some(r) = self.repeat {
            parts.push(format!("--repeat {r}"));
        }
        if let Some(w) = self.warmup {
            parts.push(format!("--warmup {w}"));
        }
        if let Some(t) = &self.timeout {
            parts.push(format!("--timeout {t}"));
        }
        if let Some(h) = &self.http {
            parts.push(format!("--http {h}"));
        }
        if let Some(f) = &self.urls {
            parts.push(format!("--urls {}", f.display()));
        }
        if self.insecure {
            parts.push("--insecure".to_string());
        }
        if let Some(f) = &self.ca {
            parts.push(format!("--ca {}", f.display()));
        }
        if let Some(m) = &self.method {
            parts.push(format!("-m {m}"));
        }
        for (name, value) in &self.headers {
            let secret = crate::redact::HEADERS
                .iter()
                .copied()
                .chain(self.redact.iter().map(String::as_str))
                .any(|s| s.eq_ignore_ascii_case(name));
            let value = if secret { crate::redact::HIDDEN } else { value };
            parts.push(format!("-H '{name}: {value}'"));
        }
        for name in &self.redact {
            parts.push(format!("--redact {name}"));
        }
        match &self.body {
            Some(Body::Text(t)) => parts.push(format!("-d '{t}'")),
            Some(Body::File(f)) => parts.push(format!("-d @{}", f.display())),
            None => {}
        }
        // A comment line: nothing in it may end it or break the TOML.
        crate::redact::shown(&parts.join(" ")).replace(['\n', '\r'], " ")
    }
}

/// The scenario to run: `file` (if any) with `o` applied.
pub fn scenario(file: Option<&Path>, o: &Overrides) -> Result<Scenario, ScenarioError> {
    o.check()?;
    let (path, mut table) = match file {
        Some(path) => {
            let scenario = Scenario::load(path)?;
            if o.is_empty() {
                return Ok(scenario);
            }
            let table: Table = toml::from_str(&scenario.source)
                .map_err(|e| ScenarioError::new(path, e.to_string()))?;
            (path.to_path_buf(), table)
        }
        None => (Path::new("command line").to_path_buf(), from_url(o)?),
    };
    apply(&path, &mut table, o)?;
    let text = format!(
        "# {} with: {}\n{}",
        path.display(),
        o.describe(),
        toml::to_string(&table).map_err(|e| ScenarioError::new(&path, e.to_string()))?
    );
    Scenario::parse(&path, &text)
}

/// A scenario of the command line alone: every mode against the URL.
fn from_url(o: &Overrides) -> Result<Table, ScenarioError> {
    let path = Path::new("command line");
    let c = o.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    // The URL list is set by `apply`, as for a file.
    let (target, against) = match (&o.url, &o.urls) {
        (Some(url), _) => (format!("[target]\nurl = {url:?}"), url.clone()),
        (None, Some(list)) => (String::new(), format!("the URLs of {}", list.display())),
        (None, None) => {
            return Err(ScenarioError::new(path, "no scenario file, no --url and no --urls".to_string())
                .help("give a scenario file (poolbench run scenarios/thousand.toml), a URL (poolbench run --url http://127.0.0.1:8080/) or a URL list (--urls urls.txt)"));
        }
    };
    let modes = match &o.modes {
        Some(kinds) => kinds_named(kinds, c)?,
        None => format!(
            "pooled = {{ limit = {c} }}\nper_request_client = {{}}\n\
             keep_alive_disabled = {{ limit = {c} }}\nhyper_util = {{}}"
        ),
    };
    let against = crate::redact::text(&against).replace(['"', '\\'], "");
    let who = match &o.modes {
        Some(kinds) => kinds.join(", ").replace(['"', '\\'], ""),
        None => "pooled, per_request_client, keep_alive_disabled and hyper_util".to_string(),
    };
    let text = format!(
        r#"name = "url"
description = "{who} against {against}, from the command line"
{target}
[load]
requests = {DEFAULT_REQUESTS}
concurrency = {c}
[modes]
{modes}
"#
    );
    toml::from_str(&text).map_err(|e| ScenarioError::new(path, e.to_string()))
}

/// Without a file, `--mode` names kinds, any of them (`--mode
/// pooled,reqwest,awc`): each with its defaults, a limit of `c` where it
/// takes one.
fn kinds_named(kinds: &[String], c: u64) -> Result<String, ScenarioError> {
    let mut lines = Vec::new();
    for name in kinds {
        let kind = Catalogue::STANDARD.find(name).ok_or_else(|| {
            ScenarioError::new(
                Path::new("command line"),
                format!("`{name}` is not a mode kind"),
            )
            .key("--mode")
            .help(Catalogue::STANDARD.help_for(name))
        })?;
        lines.push(match kind.limit {
            true => format!("{name} = {{ limit = {c} }}"),
            false => format!("{name} = {{}}"),
        });
    }
    Ok(lines.join("\n"))
}

/// `[load]`'s values from the flags.
fn load_flags(load: &mut Table, o: &Overrides) {
    if let Some(n) = o.requests {
        load.remove("duration");
        load.insert("requests".into(), Value::Integer(clamp(n)));
    }
    if let Some(d) = &o.duration {
        load.remove("requests");
        load.insert("duration".into(), Value::String(d.clone()));
    }
    if let Some(c) = o.concurrency {
        load.insert("concurrency".into(), Value::Integer(clamp(c)));
    }
    if let Some(r) = o.rate {
        let mut arrival = Table::new();
        arrival.insert("rate".into(), Value::Float(r));
        load.insert("arrival".into(), Value::Table(arrival));
    }
    if let Some(r) = o.repeat {
        load.insert("repeat".into(), Value::Integer(clamp(r)));
    }
    if let Some(w) = o.warmup {
        load.insert("warmup".into(), Value::Integer(clamp(w)));
    }
    if let Some(t) = &o.timeout {
        load.insert("timeout".into(), Value::String(t.clone()));
    }
}

/// Sets the flags' values in the scenario's TOML.
fn apply(path: &Path, t: &mut Table, o: &Overrides) -> Result<(), ScenarioError> {
    let flag_error = |flag: &str, message: String, help: &str| {
        ScenarioError::new(path, message)
            .key(flag)
            .help(help.to_string())
    };
    if let Some(url) = &o.url {
        if t.contains_key("authority") {
            return Err(flag_error(
                "--url",
                "the scenario has several authorities; --url names one".into(),
                "leave out --url, or run a scenario without [[authority]]",
            ));
        }
        t.remove("server");
        let mut target = Table::new();
        target.insert("url".into(), Value::String(url.clone()));
        t.insert("target".into(), Value::Table(target));
    }
    request(t, o, &flag_error)?;
    tls_flags(t, o);
    let load = t
        .entry("load")
        .or_insert_with(|| Value::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| flag_error("load", "[load] is not a table".into(), "fix the file"))?;
    load_flags(load, o);
    let mut dropped: Vec<String> = Vec::new();
    let modes = t
        .get_mut("modes")
        .and_then(Value::as_table_mut)
        .ok_or_else(|| {
            flag_error(
                "modes",
                "the scenario has no [modes]".into(),
                "fix the file",
            )
        })?;
    if let Some(keep) = &o.modes {
        let names: Vec<String> = modes.keys().cloned().collect();
        if let Some(unknown) = keep.iter().find(|k| !names.contains(k)) {
            return Err(flag_error(
                "--mode",
                format!("`{unknown}` is not a mode of this scenario"),
                &format!("its modes are: {}", names.join(", ")),
            ));
        }
        modes.retain(|name, _| keep.iter().any(|k| k == name));
        dropped = names.into_iter().filter(|n| !keep.contains(n)).collect();
    }
    if let Some(http) = &o.http {
        for (_, mode) in modes.iter_mut() {
            if let Some(settings) = mode.as_table_mut() {
                settings.insert("http".into(), Value::String(http.clone()));
            }
        }
    }
    if let Some(limit) = o.limit {
        for (name, mode) in modes.iter_mut() {
            let Some(settings) = mode.as_table_mut() else {
                continue;
            };
            let kind = settings.get("kind").and_then(Value::as_str).unwrap_or(name);
            let limited = Catalogue::STANDARD.find(kind).is_some_and(|k| k.limit);
            // A sweep's limits are the sweep: left as they are.
            let sweep = settings.get("limit").is_some_and(Value::is_array);
            if limited && !sweep {
                settings.insert("limit".into(), Value::Integer(clamp(limit)));
            }
        }
    }
    drop_checks_on(t, &dropped);
    Ok(())
}

/// `[tls]`'s `verify` and `ca` from `--insecure` and `--ca`.
fn tls_flags(t: &mut Table, o: &Overrides) {
    if !o.insecure && o.ca.is_none() {
        return;
    }
    let tls = t.entry("tls").or_insert_with(|| Value::Table(Table::new()));
    if let Some(tls) = tls.as_table_mut() {
        if o.insecure {
            tls.insert("verify".into(), Value::Boolean(false));
        }
        if let Some(ca) = &o.ca {
            tls.insert("ca".into(), Value::String(ca.display().to_string()));
        }
    }
}

/// Sets `[request]`'s method, headers, body and URL list from the flags.
fn request(
    t: &mut Table,
    o: &Overrides,
    flag_error: &dyn Fn(&str, String, &str) -> ScenarioError,
) -> Result<(), ScenarioError> {
    if o.method.is_none()
        && o.headers.is_empty()
        && o.body.is_none()
        && o.urls.is_none()
        && o.redact.is_empty()
    {
        return Ok(());
    }
    let request = t
        .entry("request")
        .or_insert_with(|| Value::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| flag_error("request", "[request] is not a table".into(), "fix the file"))?;
    if let Some(m) = &o.method {
        request.insert("method".into(), Value::String(m.clone()));
    }
    if !o.headers.is_empty() {
        let headers = request
            .entry("headers")
            .or_insert_with(|| Value::Table(Table::new()))
            .as_table_mut()
            .ok_or_else(|| {
                flag_error(
                    "-H",
                    "[request] headers is not a table".into(),
                    "fix the file",
                )
            })?;
        for (name, value) in &o.headers {
            headers.insert(name.clone(), Value::String(value.clone()));
        }
    }
    if !o.redact.is_empty() {
        let names = o.redact.iter().map(|n| Value::String(n.clone()));
        let list = match request.remove("redact") {
            Some(Value::Array(given)) => given.into_iter().chain(names).collect(),
            _ => names.collect(),
        };
        request.insert("redact".into(), Value::Array(list));
    }
    match &o.body {
        Some(Body::Text(text)) => {
            request.remove("body_file");
            request.insert("body".into(), Value::String(text.clone()));
        }
        Some(Body::File(file)) => {
            request.remove("body");
            let file = file.to_string_lossy().into_owned();
            request.insert("body_file".into(), Value::String(file));
        }
        None => {}
    }
    if let Some(list) = &o.urls {
        request.remove("paths");
        let list = list.to_string_lossy().into_owned();
        request.insert("urls_file".into(), Value::String(list));
        if !t.contains_key("server") {
            t.remove("target");
        }
    }
    Ok(())
}

/// Leaves out the checks that name a mode no longer run.
fn drop_checks_on(t: &mut Table, dropped: &[String]) {
    let names = |check: &str| -> bool {
        dropped.iter().any(|m| {
            check.match_indices(&format!("{m}.")).any(|(i, _)| {
                let before = check[..i].chars().next_back();
                before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
            })
        })
    };
    if let Some(Value::Array(gate)) = t.get_mut("gate") {
        gate.retain(|g| {
            let check = g.get("check").and_then(Value::as_str).unwrap_or("");
            !names(check)
        });
    }
}

/// A count as TOML holds it (validation bounds it).
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "overrides_tests.rs"]
mod tests;

//! A TOML syntax or type error turned into a [`ScenarioError`] that names
//! the file, line, column and the dotted key, with a "did you mean" for a
//! misspelled key.

use std::path::Path;

use super::ScenarioError;

/// Turns a TOML syntax or type error into a located [`ScenarioError`],
/// with a "did you mean" for misspelled keys.
pub(super) fn from_toml(path: &Path, source: &str, e: &toml::de::Error) -> ScenarioError {
    let message = e.message().trim().to_string();
    let mut err = ScenarioError::new(path, message.clone());
    let Some(span) = e.span() else {
        return err;
    };
    if message.starts_with("missing field") {
        let field = between(&message, '`', '`').unwrap_or_default();
        // The span is the table that lacks the field: its header, or the
        // whole file for a top-level key.
        let table = source[span.start.min(source.len())..]
            .lines()
            .next()
            .filter(|l| l.trim_start().starts_with('['))
            .map(|l| {
                l.trim()
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string()
            });
        return match table {
            Some(table) => err
                .at(source, span.start..span.start + 1)
                .key(join(&table, &field))
                .help(format!("add `{field}` to [{table}]")),
            None => err.key(field.clone()).help(match field.as_str() {
                "modes" => "add the modes to compare, e.g.\n[modes]\npooled = { limit = 10 }\nper_request_client = {}".to_string(),
                "load" => "add the load, e.g.\n[load]\nrequests = 1000\nconcurrency = 50".to_string(),
                _ => format!("add `{field}` (see scenarios/thousand.toml)"),
            }),
        };
    }
    err = err.at(source, span.clone());
    let table = table_at(source, span.start);
    let path = key_path(source, span.start);
    if let Some((field, expected)) = unknown_field(&message) {
        // Inside an inline table, the table's own key comes first.
        let outer = path
            .first()
            .filter(|_| path.len() > 1 || inline(source, span.start));
        let table = match outer {
            Some(outer) => join(&table, outer),
            None => table,
        };
        err = err
            .key(join(&table, &field))
            .message_for_unknown(&field, &expected);
        if expected.is_empty()
            && let Some(outer) = outer
        {
            err = err.help(format!("`{outer}` takes no settings: write {outer} = {{}}"));
        }
    } else if !path.is_empty() {
        err = err
            .key(join(&table, &path.join(".")))
            .help("check the value's type against scenarios/thousand.toml");
    }
    err
}

/// Whether `offset` is inside an inline table (`key = { … }`) on its line.
fn inline(source: &str, offset: usize) -> bool {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    source[start..offset].contains('{')
}

/// The key (and, inside an inline table, the inner key) assigned at
/// `offset`: `["pooled", "limit"]` for `pooled = { limit = "ten" }`.
fn key_path(source: &str, offset: usize) -> Vec<String> {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &source[start..offset];
    let Some(outer) = key_at(source, offset) else {
        return Vec::new();
    };
    let mut path = vec![outer];
    if let Some(brace) = prefix.rfind('{') {
        let inner_start = prefix[brace..].rfind(',').map_or(brace, |c| brace + c) + 1;
        if let Some((inner, _)) = prefix[inner_start..].split_once('=') {
            path.push(inner.trim().to_string());
        }
    }
    path
}

impl ScenarioError {
    fn message_for_unknown(mut self, field: &str, expected: &[String]) -> ScenarioError {
        self.message = format!("unknown key `{field}`");
        let best = crate::results::nearest(field, expected.iter().map(String::as_str));
        self.help = Some(match best {
            Some(e) => format!("did you mean `{e}`?"),
            None => format!("the keys allowed here are: {}", expected.join(", ")),
        });
        self
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((field.to_string(), expected))
}

fn between(text: &str, open: char, close: char) -> Option<String> {
    let start = text.find(open)? + 1;
    let end = start + text[start..].find(close)?;
    Some(text[start..end].to_string())
}

/// The `[table]` header in force at `offset`, or "" at top level.
fn table_at(source: &str, offset: usize) -> String {
    source[..offset.min(source.len())]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        .unwrap_or_default()
}

/// The key assigned on the line containing `offset`.
fn key_at(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

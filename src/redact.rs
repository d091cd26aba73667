//! What a user gave as a secret never reaches an output: the password of a
//! URL (`http://user:pw@host`, with or without a scheme) and the value of a
//! header that carries a credential (`authorization`, `cookie`, … and the
//! scenario's `redact = [...]`), whether it is written as a TOML key
//! (`authorization = "Bearer x"`, in a table, an inline table or a dotted
//! key) or as a header line (`-H 'authorization: Bearer x'`). The user name
//! and the header's name stay, so a reader sees that a credential was sent:
//! `http://user:<redacted>@host`, `authorization = "<redacted>"`.
//!
//! It reads text, not structures, so the same rule covers a scenario's
//! source, the flags that made it, a description, a URL list and an error
//! message that quotes any of them. Requests still carry the real values:
//! only what is shown is redacted.

use std::borrow::Cow;
use std::ops::Range;

/// What a secret is replaced with.
pub const HIDDEN: &str = "<redacted>";

/// Headers whose values are always secrets (names compared without case).
pub const HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// `text` with every URL password and every value of a header in
/// [`HEADERS`] replaced by [`HIDDEN`].
pub fn text(text: &str) -> Cow<'_, str> {
    with_names(text, &[])
}

/// As [`text`], with `names` (the scenario's `redact` list) as secret
/// headers too.
pub fn with_names<'a>(text: &'a str, names: &[String]) -> Cow<'a, str> {
    let ranges = ranges(text, names);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(replace(text, &ranges).0)
}

/// `text` with its control characters (an ANSI escape, a carriage return,
/// a NUL…) written out as `\u{1b}`, so text a user gave cannot move the
/// cursor, recolour a terminal or hide what follows; line breaks and tabs
/// stay.
pub fn controls(text: &str) -> Cow<'_, str> {
    let odd = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(odd) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match odd(c) {
            true => out.extend(c.escape_unicode()),
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// What may be shown of text a user gave: secrets redacted, control
/// characters escaped.
pub fn shown(text: &str) -> String {
    controls(&self::text(text)).into_owned()
}

/// The byte ranges of `text` that hold a secret, in order, not
/// overlapping, each on char boundaries.
pub fn ranges(text: &str, names: &[String]) -> Vec<Range<usize>> {
    let mut found = url_passwords(text);
    for name in HEADERS
        .iter()
        .copied()
        .chain(names.iter().map(String::as_str))
    {
        found.extend(header_values(text, name));
    }
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in found.into_iter().filter(|r| !r.is_empty()) {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// `text` with each of `ranges` (as [`ranges`] gives them) replaced by
/// [`HIDDEN`], and a map from a byte offset of `text` to the offset of the
/// same place in the result (a place inside a secret maps to its start).
pub fn replace<'r>(
    text: &str,
    ranges: &'r [Range<usize>],
) -> (String, impl Fn(usize) -> usize + 'r) {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&text[at..r.start]);
        out.push_str(HIDDEN);
        at = r.end;
    }
    out.push_str(&text[at..]);
    let map = move |offset: usize| {
        let mut shift: isize = 0;
        for r in ranges {
            if offset >= r.end {
                shift += HIDDEN.len() as isize - r.len() as isize;
            } else if offset > r.start {
                return (r.start as isize + shift) as usize;
            }
        }
        (offset as isize + shift) as usize
    };
    (out, map)
}

/// A character that cannot be part of a URL as people write it in text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || "\"'`<>()[]{},;|\\".contains(c)
}

/// The password of every `user:password@host` in `text`.
fn url_passwords(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('@').map(|i| from + i) {
        let start = text[..i].rfind(ends_url).map_or(0, |p| {
            p + text[p..].chars().next().map_or(1, char::len_utf8)
        });
        let token = &text[start..i];
        let userinfo = token.find("://").map_or(start, |p| start + p + 3);
        // The authority ends at the path; a password may hold an '@' of its
        // own, so the host starts after the last one before that.
        let end = text[i..]
            .find(|c: char| ends_url(c) || "/?#".contains(c))
            .map_or(text.len(), |p| i + p);
        let last_at = i + text[i..end].rfind('@').unwrap_or(0);
        match text[userinfo..i].find(':') {
            Some(colon) if !text[userinfo..i].contains('/') => {
                found.push(userinfo + colon + 1..last_at);
                from = last_at + 1;
            }
            _ => from = i + 1,
        }
    }
    found
}

/// Whether `c` can be part of a header name.
fn in_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The value of every header `name` in `text`: `name = "value"` (TOML) or
/// `name: value` (a header line, up to the quote that opened it or the end
/// of the line).
fn header_values(text: &str, name: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&name).map(|i| from + i) {
        from = at + name.len().max(1);
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        if before.is_some_and(in_name) || after.is_some_and(in_name) {
            continue;
        }
        let quote = before.filter(|c| *c == '"' || *c == '\'');
        let mut rest = at + name.len();
        if let Some(q) = quote
            && text[rest..].starts_with(q)
        {
            rest += 1;
        }
        let gap = text[rest..].len() - text[rest..].trim_start_matches([' ', '\t']).len();
        rest += gap;
        if text[rest..].starts_with('=') {
            rest += 1;
            rest += text[rest..].len() - text[rest..].trim_start_matches([' ', '\t']).len();
            if let Some(value) = toml_string(text, rest) {
                found.push(value);
            }
        } else if text[rest..].starts_with(':') {
            rest += 1;
            rest += text[rest..].len() - text[rest..].trim_start_matches([' ', '\t']).len();
            let end = text[rest..]
                .find(|c: char| c == '\n' || c == '\r' || Some(c) == quote)
                .map_or(text.len(), |p| rest + p);
            found.push(rest..end);
        }
    }
    found
}

/// The contents of the TOML string that starts at `at`, if one does.
fn toml_string(text: &str, at: usize) -> Option<Range<usize>> {
    let rest = &text[at..];
    for triple in ["\"\"\"", "'''"] {
        if let Some(body) = rest.strip_prefix(triple) {
            let end = body.find(triple).map_or(text.len(), |p| at + 3 + p);
            return Some(at + 3..end);
        }
    }
    let q = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            '\n' => return Some(at + 1..at + i),
            c if c == q && !escaped => return Some(at + 1..at + i),
            _ => escaped = false,
        }
    }
    Some(at + 1..text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_hidden_and_users_kept() {
        for (given, shown) in [
            ("http://u:pw@h/", "http://u:<redacted>@h/"),
            (
                "see \"https://u:p:w@h:8/x\" (bad)",
                "see \"https://u:<redacted>@h:8/x\" (bad)",
            ),
            ("u:pw@127.0.0.1:80/", "u:<redacted>@127.0.0.1:80/"),
            ("http://u:p@ss@h/a@b", "http://u:<redacted>@h/a@b"),
            (
                "http://u@h/ and x@y and /a:b@c",
                "http://u@h/ and x@y and /a:b@c",
            ),
            (
                "a http://a:1@h, http://b:2@i",
                "a http://a:<redacted>@h, http://b:<redacted>@i",
            ),
            ("--url=http://u:é@h", "--url=http://u:<redacted>@h"),
        ] {
            assert_eq!(text(given), shown, "{given}");
        }
    }

    #[test]
    fn secret_header_values_are_hidden_in_toml_and_header_lines() {
        for (given, shown) in [
            (
                "[request.headers]\nAuthorization = \"Bearer s\\\"x\"\naccept = \"a\"\n",
                "[request.headers]\nAuthorization = \"<redacted>\"\naccept = \"a\"\n",
            ),
            (
                "headers = { cookie = 'a=1', \"x-api-key\"=\"k\" }",
                "headers = { cookie = '<redacted>', \"x-api-key\"=\"<redacted>\" }",
            ),
            (
                "request.headers.authorization = \"\"\"t\"\"\"",
                "request.headers.authorization = \"\"\"<redacted>\"\"\"",
            ),
            (
                "# flags: -H 'authorization: Bearer t' -H 'accept: */*'",
                "# flags: -H 'authorization: <redacted>' -H 'accept: */*'",
            ),
            (
                "x-authorization = \"t\" authorizationx: t",
                "x-authorization = \"t\" authorizationx: t",
            ),
            ("the authorization header", "the authorization header"),
        ] {
            assert_eq!(text(given), shown, "{given}");
        }
        assert_eq!(
            with_names("x-token = \"t\"\nX-Token: u", &["x-token".into()]),
            "x-token = \"<redacted>\"\nX-Token: <redacted>"
        );
    }

    #[test]
    fn offsets_map_past_and_into_secrets() {
        let given = "url = \"http://u:secret@h/\" # x";
        let r = ranges(given, &[]);
        let (shown, map) = replace(given, &r);
        assert_eq!(shown, "url = \"http://u:<redacted>@h/\" # x");
        assert_eq!(&shown[map(6)..map(6) + 1], "\"");
        assert_eq!(map(r[0].start + 2), r[0].start);
        let hash = given.find('#').unwrap_or(0);
        assert_eq!(&shown[map(hash)..], "# x");
    }
}

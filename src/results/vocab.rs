//! The words results.json is written in: the modes, the transports, TLS
//! versions, and a gate check's outcome.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::format::format_value;

/// HTTP over plain TCP, over TLS, or over a Unix domain socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    Http,
    Https,
    /// HTTP/1.1 over a Unix domain socket: no TCP handshake, no ports, no
    /// TIME_WAIT.
    Unix,
}

impl Transport {
    pub const ALL: [Transport; 3] = [Transport::Http, Transport::Https, Transport::Unix];

    /// The transport called `name` ("http", "https", "unix"), if one is.
    pub fn named(name: &str) -> Option<Transport> {
        Transport::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Https => "https",
            Transport::Unix => "unix",
        }
    }
}

/// The HTTP version a mode speaks: HTTP/1.1, HTTP/2 (by ALPN over TLS,
/// with prior knowledge — h2c — over plain TCP or a Unix socket), or
/// whatever ALPN negotiates (HTTP/1.1 where there is no TLS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum HttpVersion {
    #[default]
    #[serde(rename = "1.1")]
    Http1,
    #[serde(rename = "2")]
    Http2,
    #[serde(rename = "auto")]
    Auto,
}

impl HttpVersion {
    pub const ALL: [HttpVersion; 3] = [HttpVersion::Http1, HttpVersion::Http2, HttpVersion::Auto];

    pub fn name(self) -> &'static str {
        match self {
            HttpVersion::Http1 => "1.1",
            HttpVersion::Http2 => "2",
            HttpVersion::Auto => "auto",
        }
    }

    /// The version called `name`, if one is.
    pub fn named(name: &str) -> Option<HttpVersion> {
        HttpVersion::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The protocols it offers by ALPN, in order of preference.
    pub fn alpn(self) -> Vec<Vec<u8>> {
        match self {
            HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
            HttpVersion::Http2 => vec![b"h2".to_vec()],
            HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        }
    }

    pub fn is_http1(&self) -> bool {
        *self == HttpVersion::Http1
    }
}

/// A mode's kind, by the name the catalogue of kinds gives it
/// (`modes::catalogue`): "pooled", "awc"… The catalogue sits above the
/// results, so a name is all results.json keeps; a name this build does
/// not know (a newer poolbench's kind) reads back all the same, and
/// reports show it without what only the catalogue knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModeKind(std::borrow::Cow<'static, str>);

impl ModeKind {
    /// The kind called `name`, as the catalogue names it.
    pub const fn named(name: &'static str) -> ModeKind {
        ModeKind(std::borrow::Cow::Borrowed(name))
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ModeKind {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl JsonSchema for ModeKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ModeKind".into()
    }

    /// A string here; the schema file lists the catalogue's names
    /// (`modes::results_schema`).
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The connection strategy: a kind of the catalogue of kinds.",
            "type": "string",
        })
    }
}

/// What a mode does with a response body once its head has arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyHandling {
    /// Read it to the end (what a careful client does).
    #[default]
    Read,
    /// Drop it unread: the pitfall. The connection cannot be reused (the
    /// unread bytes are still on it), so a pool must close it.
    Drop,
    /// Hold it unread for `hold_us` µs, then read it: a slow consumer,
    /// keeping its connection from every other request meanwhile.
    Hold { hold_us: u64 },
}

impl BodyHandling {
    /// How a report says it: "", "body dropped", "body held 20 ms".
    pub fn describe(self) -> String {
        match self {
            BodyHandling::Read => String::new(),
            BodyHandling::Drop => "body dropped".into(),
            BodyHandling::Hold { hold_us } => {
                format!("body held {}", super::format::micros(hold_us as f64))
            }
        }
    }
}

/// TLS protocol version to negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    Tls12,
    #[serde(rename = "1.3")]
    Tls13,
}

impl std::str::FromStr for TlsVersion {
    type Err = String;

    /// "1.3" or "1.2": the one place a TLS version is read from text.
    fn from_str(text: &str) -> Result<TlsVersion, String> {
        match text.trim() {
            "1.3" => Ok(TlsVersion::Tls13),
            "1.2" => Ok(TlsVersion::Tls12),
            other => Err(format!(
                "unsupported TLS version \"{other}\": use \"1.3\" or \"1.2\""
            )),
        }
    }
}

/// A check's outcome on a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateOutcome {
    /// The check as written in the scenario.
    pub check: String,
    /// The left side's value; absent if a figure it uses was not measured.
    pub left: Option<f64>,
    /// The comparison operator.
    pub cmp: String,
    /// The right side's value; absent if a figure it uses was not measured.
    pub right: Option<f64>,
    /// Whether the check held (a side that was not measured fails it).
    pub passed: bool,
    /// The unit both sides are in, as values are written (" µs", "/s"),
    /// when every figure of the check has the same one; absent for counts
    /// and mixed checks.
    #[serde(default)]
    pub unit: Option<String>,
}

impl GateOutcome {
    /// "1445 µs <= 50 µs", or which side was not measured.
    pub fn detail(&self) -> String {
        let unit = self.unit.as_deref().unwrap_or("");
        let side = |v: Option<f64>| {
            v.map_or("not a measured number".to_string(), |v| {
                format!("{}{unit}", format_value(v))
            })
        };
        format!("{} {} {}", side(self.left), self.cmp, side(self.right))
    }
}

/// The word of `among` nearest to a mistyped `name`, if one is near enough
/// to suggest ("did you mean `per_request_client`?").
pub fn nearest<'a>(name: &str, among: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    among
        .into_iter()
        .map(|w| (strsim::jaro_winkler(name, w), w))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, w)| w)
}

//! The scenario file exactly as TOML gives it: serde structs that reject
//! unknown keys and keep each value's span, so validation can point at it.
//! Integers are `i64` so that a negative number reaches validation and gets a
//! precise message instead of a serde type error.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub server: Option<Spanned<RawServer>>,
    pub target: Option<Spanned<RawTarget>>,
    pub link: Option<Spanned<RawLink>>,
    pub tls: Option<Spanned<RawTls>>,
    pub expect: Option<Spanned<RawExpect>>,
    pub request: Option<Spanned<RawRequest>>,
    pub proxy: Option<Spanned<RawProxy>>,
    pub load: Spanned<RawLoad>,
    pub modes: Spanned<RawModes>,
    #[serde(default)]
    pub authority: Vec<Spanned<RawAuthority>>,
    #[serde(default)]
    pub gate: Vec<RawGate>,
}

/// `[[authority]]`: one of several authorities, served by the bundled
/// server or, with `url`, by the user's own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuthority {
    pub name: Spanned<String>,
    pub weight: Option<Spanned<i64>>,
    pub server: Option<Spanned<RawServer>>,
    pub url: Option<Spanned<String>>,
    /// This authority's requests, where they differ from `[request]`'s.
    pub request: Option<Spanned<RawRequest>>,
}

/// `[proxy]`: requests go through a forward proxy — yours at `url`, or
/// poolbench's own (`bundled = true`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProxy {
    pub url: Option<Spanned<String>>,
    pub bundled: Option<Spanned<bool>>,
}

/// `[request]`: what each request is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: Option<Spanned<String>>,
    pub headers: Option<Spanned<std::collections::BTreeMap<String, Spanned<String>>>>,
    pub body: Option<Spanned<String>>,
    pub body_file: Option<Spanned<String>>,
    pub paths: Option<Spanned<Vec<Spanned<RawPath>>>>,
    pub urls_file: Option<Spanned<String>>,
    /// Headers whose values are secrets, beyond those always treated so.
    pub redact: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `"/item/{n}"`, or `{ path = "/search", weight = 3 }`.
#[derive(Debug)]
pub struct RawPath {
    pub path: String,
    pub weight: Option<i64>,
}

impl<'de> Deserialize<'de> for RawPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawPath;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path like \"/item/{n}\", or { path = \"/search\", weight = 3 }")
            }
            fn visit_str<E>(self, v: &str) -> Result<RawPath, E> {
                Ok(RawPath {
                    path: v.to_string(),
                    weight: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawPath, A::Error> {
                use serde::de::Error;
                let (mut path, mut weight) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "path" => path = Some(map.next_value::<String>()?),
                        "weight" => weight = Some(map.next_value::<i64>()?),
                        other => {
                            return Err(A::Error::unknown_field(other, &["path", "weight"]));
                        }
                    }
                }
                let path = path.ok_or_else(|| A::Error::missing_field("path"))?;
                Ok(RawPath { path, weight })
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `[expect]`: what every response must be.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub status: Option<Spanned<i64>>,
    pub body_size: Option<Spanned<RawSize>>,
}

/// `[[gate]] check = "pooled.handshakes <= 10"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGate {
    pub check: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub rtt: Spanned<String>,
    pub bandwidth: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub think_time: Option<Spanned<String>>,
    pub body_size: Option<Spanned<RawSize>>,
    pub keep_alive_timeout: Option<Spanned<String>>,
    pub max_requests_per_connection: Option<Spanned<i64>>,
    pub threads: Option<Spanned<i64>>,
    pub reset_every: Option<Spanned<i64>>,
    pub slow_body: Option<Spanned<String>>,
    pub body_overrun: Option<Spanned<i64>>,
    pub stale_reuse: Option<bool>,
    pub max_connections: Option<Spanned<i64>>,
    pub over_capacity: Option<Spanned<String>>,
    pub max_concurrent_streams: Option<Spanned<i64>>,
    pub tls: Option<Spanned<RawServerTls>>,
    /// Every mode also runs over a Unix domain socket of the server's.
    pub unix: Option<Spanned<bool>>,
}

/// `tls = true` (HTTPS only) or `tls = "both"` (every mode over HTTP and HTTPS).
#[derive(Debug)]
pub enum RawServerTls {
    Flag(bool),
    Text(String),
}

impl<'de> Deserialize<'de> for RawServerTls {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawServerTls;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or \"both\"")
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawServerTls, E> {
                Ok(RawServerTls::Flag(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawServerTls, E> {
                Ok(RawServerTls::Text(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `[tls]`: how both sides do TLS.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub version: Option<Spanned<String>>,
    pub resumption: Option<bool>,
    /// For an external https target: the CA that signed its certificate.
    pub ca: Option<Spanned<String>>,
    /// `false`: the server's certificate is not checked (`--insecure`).
    pub verify: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub url: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoad {
    pub requests: Option<Spanned<i64>>,
    pub duration: Option<Spanned<String>>,
    pub concurrency: Spanned<i64>,
    pub warmup: Option<Spanned<i64>>,
    pub timeout: Option<Spanned<String>>,
    pub threads: Option<Spanned<i64>>,
    pub open_files: Option<Spanned<i64>>,
    pub arrival: Option<Spanned<RawArrival>>,
    pub repeat: Option<Spanned<i64>>,
}

/// `arrival = { rate = 2000 }` or `arrival = { burst = 50, every = "20ms" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrival {
    pub rate: Option<Spanned<f64>>,
    pub burst: Option<Spanned<i64>>,
    pub every: Option<Spanned<String>>,
}

/// `[modes]`: each key names a mode (its label), in the file's order.
#[derive(Debug)]
pub struct RawModes(pub Vec<(Spanned<String>, Spanned<RawMode>)>);

impl<'de> Deserialize<'de> for RawModes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawModes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of modes, e.g. pooled = { limit = 10 }")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawModes, A::Error> {
                let mut modes = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    modes.push(entry);
                }
                Ok(RawModes(modes))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// One mode: its kind (the key, unless `kind` names it) and its settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMode {
    pub kind: Option<Spanned<String>>,
    pub limit: Option<Spanned<RawLimit>>,
    pub keep_alive: Option<Spanned<bool>>,
    pub idle_timeout: Option<Spanned<String>>,
    pub max_lifetime: Option<Spanned<String>>,
    pub max_requests_per_connection: Option<Spanned<i64>>,
    pub acquire_timeout: Option<Spanned<String>>,
    pub scope: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub hold: Option<Spanned<String>>,
    pub http: Option<Spanned<String>>,
    pub max_idle_per_host: Option<Spanned<i64>>,
}

/// `limit = 10`, or a sweep: `limit = [1, 2, 4, 8]`.
#[derive(Debug)]
pub enum RawLimit {
    One(i64),
    Sweep(Vec<i64>),
}

impl<'de> Deserialize<'de> for RawLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawLimit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of connections, or a list of them to sweep")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawLimit, E> {
                Ok(RawLimit::One(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawLimit, E> {
                i64::try_from(v)
                    .map(RawLimit::One)
                    .map_err(|_| E::custom("limit too large"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawLimit, A::Error> {
                let mut limits = Vec::new();
                while let Some(v) = seq.next_element()? {
                    limits.push(v);
                }
                Ok(RawLimit::Sweep(limits))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A size written as a number of bytes or a string with a unit.
#[derive(Debug)]
pub enum RawSize {
    Bytes(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawSize;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size like \"4KiB\" or a number of bytes")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawSize, E> {
                i64::try_from(v)
                    .map(RawSize::Bytes)
                    .map_err(|_| E::custom("size too large"))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

//! The vocabulary of results, each list written once: the modes and
//! transports, the kinds of error, the reasons the pool discards a
//! connection, the ways a connection ends, the phases of a request. A
//! [`Kind`] names its values; [`Counts`] counts by kind and is written to
//! results.json as an object with one member per kind, in the list's order.

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A closed list of named values.
pub trait Kind: Copy + Eq + 'static {
    /// Every value, in the order reports show them.
    const ALL: &'static [Self];
    /// The name in results.json, gate checks and reports.
    fn name(self) -> &'static str;
    /// What it means, for the schema and the reports.
    fn doc(self) -> &'static str;
    /// Its place in [`Kind::ALL`].
    fn index(self) -> usize {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// Defines a [`Kind`]: the enum, its names and its docs, in one list.
macro_rules! kinds {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[doc = $doc:literal])+ $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[doc = $doc])+ $variant,)+ }

        impl Kind for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];
            fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
            fn doc(self) -> &'static str {
                match self { $($name::$variant => concat!($($doc),+).trim_ascii(),)+ }
            }
        }
    };
}

kinds! {
    /// Why a request failed.
    pub enum ErrorKind {
        /// Connection refused (ECONNREFUSED): nothing listening, or the
        /// accept backlog is full.
        Refused = "refused",
        /// Connection reset or closed before the response was complete.
        Reset = "reset",
        /// No complete response within `load.timeout`, or ETIMEDOUT.
        Timeout = "timeout",
        /// Out of file descriptors (EMFILE/ENFILE).
        Emfile = "emfile",
        /// Out of local addresses/ports (EADDRNOTAVAIL), often TIME_WAIT
        /// exhaustion.
        AddrNotAvail = "eaddrnotavail",
        /// TLS failures (handshake, certificate, record layer).
        Tls = "tls",
        /// HTTP 4xx responses.
        Http4xx = "http_4xx",
        /// HTTP 5xx responses.
        Http5xx = "http_5xx",
        /// Responses that broke HTTP framing: bytes beyond their end (more
        /// body than their Content-Length), or a head that does not parse.
        Protocol = "protocol",
        /// Responses that belong to another request (the bundled server
        /// echoes each request's id) or are not what `[expect]` says.
        Mismatched = "mismatched",
        /// Any other failure.
        Other = "other",
    }
}

impl ErrorKind {
    /// How reports name the kind: "EMFILE", "4xx", "TLS".
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Emfile => "EMFILE",
            ErrorKind::AddrNotAvail => "EADDRNOTAVAIL",
            ErrorKind::Tls => "TLS",
            ErrorKind::Http4xx => "4xx",
            ErrorKind::Http5xx => "5xx",
            other => other.name(),
        }
    }
}

kinds! {
    /// Why the pool closed a connection instead of reusing it.
    pub enum Discard {
        /// Idle too long or older than the maximum lifetime.
        Expired = "expired",
        /// Closed by the server while idle.
        ClosedByServer = "closed_by_server",
        /// Its response body was dropped before the end.
        UnreadBody = "unread_body",
        /// `Connection: close` was sent or received, or keep-alive is off.
        ConnectionClose = "connection_close",
        /// Reached the maximum requests per connection.
        MaxRequests = "max_requests",
        /// A request on it failed, or it failed (a reset) while idle.
        Error = "error",
        /// Closed to make room for a retry on a fresh connection.
        Evicted = "evicted",
        /// The server broke HTTP framing on it (bytes beyond a response's end).
        Protocol = "protocol",
    }
}

kinds! {
    /// How a connection ended, as the client saw it at its first close
    /// action (a shutdown, or the close itself). Who sends the first FIN
    /// keeps the TIME_WAIT socket; a reset leaves none.
    pub enum ConnectionEnd {
        /// The client closed first (FIN): the client side keeps TIME_WAIT.
        ClientClosedFirst = "client_closed_first",
        /// The server's FIN came first: the server side keeps TIME_WAIT.
        ServerClosedFirst = "server_closed_first",
        /// The client closed with bytes unread (a TLS close_notify, an
        /// unread body): its kernel sent a reset, no TIME_WAIT on either side.
        ClientReset = "client_reset",
        /// The server had reset the connection.
        ServerReset = "server_reset",
    }
}

kinds! {
    /// The consecutive phases of a request, from its due time to its last
    /// body byte; they add up to its latency.
    pub enum Phase {
        /// Open loop only: how long after its due time the request started.
        Late = "late",
        /// `per_request_client` only: building the client and its TLS config.
        ClientBuild = "client_build",
        /// poolbench's pool only: waiting for a connection or a free slot.
        PoolWait = "pool_wait",
        /// TCP connect of a new connection, including the emulated link's
        /// handshake round trip (for hyper_util, from the start: its pool's
        /// own queueing is not visible).
        Connect = "connect",
        /// TLS handshake of a new connection (HTTPS).
        Tls = "tls",
        /// From having a connection to the response head.
        FirstByte = "first_byte",
        /// From the response head to the last body byte.
        Body = "body",
    }
}

impl Phase {
    /// How reports name the phase.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Late => "late (open loop)",
            Phase::ClientBuild => "client build",
            Phase::PoolWait => "pool wait",
            Phase::Connect => "connect",
            Phase::Tls => "TLS handshake",
            Phase::FirstByte => "first byte",
            Phase::Body => "body",
        }
    }
}

/// A value per kind of `K`, written to results.json as `{ "name": value, … }`
/// with every kind present, in the list's order.
#[derive(Debug, Clone, PartialEq)]
pub struct PerKind<K: Kind, V> {
    values: Vec<V>,
    kind: PhantomData<K>,
}

/// A count per kind.
pub type Counts<K> = PerKind<K, u64>;

impl<K: Kind, V: Default> Default for PerKind<K, V> {
    fn default() -> Self {
        PerKind {
            values: K::ALL.iter().map(|_| V::default()).collect(),
            kind: PhantomData,
        }
    }
}

impl<K: Kind, V> PerKind<K, V> {
    pub fn get(&self, kind: K) -> &V {
        &self.values[kind.index()]
    }

    pub fn get_mut(&mut self, kind: K) -> &mut V {
        &mut self.values[kind.index()]
    }

    /// Every kind with its value, in the list's order.
    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> + '_ {
        K::ALL.iter().map(|k| (*k, self.get(*k)))
    }

    /// Builds one from a value per kind.
    pub fn from_fn(mut f: impl FnMut(K) -> V) -> Self {
        PerKind {
            values: K::ALL.iter().map(|k| f(*k)).collect(),
            kind: PhantomData,
        }
    }
}

impl<K: Kind> Eq for PerKind<K, u64> {}

impl<K: Kind> Counts<K> {
    pub fn count(&self, kind: K) -> u64 {
        *self.get(kind)
    }

    pub fn add(&mut self, kind: K, n: u64) {
        let count = self.get_mut(kind);
        *count = count.saturating_add(n);
    }

    pub fn total(&self) -> u64 {
        self.values.iter().sum()
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Counts<K>) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a = a.saturating_add(*b);
        }
    }

    /// What happened after `before`.
    pub fn since(&self, before: &Counts<K>) -> Counts<K> {
        PerKind::from_fn(|k| self.count(k).saturating_sub(before.count(k)))
    }

    /// The kind with the most, and how many.
    pub fn dominant(&self) -> (K, u64) {
        self.iter()
            .map(|(k, n)| (k, *n))
            .max_by_key(|(_, n)| *n)
            .unwrap_or((K::ALL[0], 0))
    }

    /// "reset 2, timeout 1" with `label`, or `none_text` when all are 0.
    pub fn summary(&self, label: fn(K) -> &'static str, none_text: &str) -> String {
        let parts: Vec<String> = self
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{} {n}", label(k)))
            .collect();
        if parts.is_empty() {
            none_text.to_string()
        } else {
            parts.join(", ")
        }
    }
}

impl<K: Kind, V: Serialize> Serialize for PerKind<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(K::ALL.len()))?;
        for (kind, value) in self.iter() {
            map.serialize_entry(kind.name(), value)?;
        }
        map.end()
    }
}

impl<'de, K: Kind, V: Deserialize<'de>> Deserialize<'de> for PerKind<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = std::collections::BTreeMap::<String, V>::deserialize(d)?;
        let mut values = Vec::with_capacity(K::ALL.len());
        for kind in K::ALL {
            let value = map
                .remove(kind.name())
                .ok_or_else(|| D::Error::custom(format!("missing `{}`", kind.name())))?;
            values.push(value);
        }
        if let Some(name) = map.keys().next() {
            return Err(D::Error::custom(format!("unknown member `{name}`")));
        }
        Ok(PerKind {
            values,
            kind: PhantomData,
        })
    }
}

impl<K: Kind, V: JsonSchema> JsonSchema for PerKind<K, V> {
    fn schema_name() -> Cow<'static, str> {
        let kind = std::any::type_name::<K>();
        let kind = kind.rsplit("::").next().unwrap_or(kind);
        match V::schema_name().as_ref() {
            "uint64" => format!("{kind}Counts").into(),
            value => format!("{kind}_{value}").into(),
        }
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<V>();
        let properties: serde_json::Map<String, serde_json::Value> = K::ALL
            .iter()
            .map(|k| {
                let mut member = value.as_value().clone();
                if let Some(object) = member.as_object_mut() {
                    object.insert("description".into(), k.doc().into());
                }
                (k.name().to_string(), member)
            })
            .collect();
        let required: Vec<&str> = K::ALL.iter().map(|k| k.name()).collect();
        schemars::json_schema!({
            "type": "object",
            "description": "One member per kind.",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_to_json_by_name_and_back() -> serde_json::Result<()> {
        let mut c = Counts::<ErrorKind>::default();
        c.add(ErrorKind::Reset, 2);
        c.add(ErrorKind::Http5xx, 1);
        let json = serde_json::to_value(&c)?;
        assert_eq!(json["reset"], 2);
        assert_eq!(json["http_5xx"], 1);
        assert_eq!(
            json.as_object().map(|o| o.len()),
            Some(ErrorKind::ALL.len())
        );
        let back: Counts<ErrorKind> = serde_json::from_value(json)?;
        let mut partial = serde_json::to_value(&c)?;
        partial.as_object_mut().map(|o| o.remove("reset"));
        assert!(serde_json::from_value::<Counts<ErrorKind>>(partial).is_err());
        assert_eq!(back, c);
        assert!(serde_json::from_str::<Counts<ErrorKind>>(r#"{"nope": 1}"#).is_err());
        assert_eq!(c.summary(ErrorKind::label, "none"), "reset 2, 5xx 1");
        assert_eq!(c.dominant(), (ErrorKind::Reset, 2));
        Ok(())
    }

    #[test]
    fn every_kind_has_a_distinct_name_and_a_doc() {
        fn check<K: Kind>() {
            let mut names: Vec<&str> = K::ALL.iter().map(|k| k.name()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), K::ALL.len());
            assert!(K::ALL.iter().all(|k| !k.doc().is_empty()));
        }
        check::<ErrorKind>();
        check::<Discard>();
        check::<ConnectionEnd>();
        check::<Phase>();
    }
}

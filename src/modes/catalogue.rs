//! Every kind of mode, in one list: the scenario resolves kind names here,
//! `--mode` offers them, the schema lists them, the charts and the verdict
//! read what each is, and the tests run each one. A new kind is its own
//! file plus one line of [`KINDS`].

use super::Kind;
use super::{
    awc, capped, hyper_util, keep_alive_off, per_request, pooled, reqwest, reqwest_per_request,
};
use crate::results::ModeKind;

/// The kinds, in the order help and docs list them.
pub static KINDS: &[&Kind] = &[
    &pooled::KIND,
    &per_request::KIND,
    &keep_alive_off::KIND,
    &hyper_util::KIND,
    &capped::KIND,
    &reqwest::KIND,
    &reqwest_per_request::KIND,
    &awc::KIND,
];

/// A list of kinds to read scenarios with: [`KINDS`], or (in tests) those
/// and more.
#[derive(Debug, Clone)]
pub struct Catalogue {
    kinds: std::borrow::Cow<'static, [&'static Kind]>,
}

impl Default for Catalogue {
    fn default() -> Catalogue {
        Catalogue::STANDARD
    }
}

impl Catalogue {
    /// The kinds this build has.
    pub const STANDARD: Catalogue = Catalogue {
        kinds: std::borrow::Cow::Borrowed(KINDS),
    };

    /// These kinds and `kind` besides.
    pub fn with(mut self, kind: &'static Kind) -> Catalogue {
        self.kinds.to_mut().push(kind);
        self
    }

    /// The kind called `name`, if there is one.
    pub fn find(&self, name: &str) -> Option<&'static Kind> {
        self.kinds.iter().copied().find(|k| k.name == name)
    }

    /// Every kind, in order.
    pub fn kinds(&self) -> &[&'static Kind] {
        &self.kinds
    }

    /// Their names, joined for a message: "pooled, per_request_client, …".
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.kinds.iter().map(|k| k.name).collect();
        names.join(", ")
    }
}

/// The kind of a mode a results file names, if this build knows it.
pub fn kind_of(mode: &ModeKind) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| k.name == mode.name())
}

/// The JSON Schema of results.json, with the kinds of the catalogue as the
/// names a mode's kind may have.
pub fn results_schema() -> serde_json::Value {
    let mut schema = crate::results::schema();
    let kinds: Vec<serde_json::Value> = KINDS
        .iter()
        .map(|k| {
            serde_json::json!({
                "const": k.name,
                "description": k.summary,
                "type": "string",
            })
        })
        .collect();
    if let Some(def) = schema.pointer_mut("/$defs/ModeKind") {
        *def = serde_json::json!({
            "description": "The connection strategy: a kind of the catalogue of kinds.",
            "oneOf": kinds,
        });
    }
    schema
}

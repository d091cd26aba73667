//! The catalogue of kinds read as a whole: the scenario resolves kind
//! names here, `--mode` offers them, the schema lists them, the charts and
//! the verdict look up what a results file's kind is, and the tests run
//! each one. The list itself, [`KINDS`], sits in `modes/mod.rs` beside the
//! kinds' module lines: a new kind is its own file plus its two lines
//! there.

use super::{KINDS, Kind};
use crate::results::ModeKind;

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
    /// "did you mean `per_request_client`? (the kinds are …)", for a name
    /// that is no kind.
    pub fn help_for(&self, name: &str) -> String {
        let names = self.kinds.iter().map(|k| k.name);
        match crate::results::nearest(name, names) {
            Some(near) => format!("did you mean `{near}`? (the kinds are {})", self.names()),
            None => format!("the kinds are {}", self.names()),
        }
    }

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

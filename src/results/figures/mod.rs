//! The catalogue of figures: every figure a mode reports, written once —
//! its name (as gate checks and `compare` say it), what it is, its unit,
//! who observes it, which way is better, and how to read it from a mode's
//! results. The gate, `compare`, the rounds' key figures and every report
//! iterate this list; adding a figure is one entry here plus its
//! measurement.
//!
//! A figure is read with an optional qualifier (`handshakes.server`,
//! `pool_wait.p99`); the first qualifier listed is the default.

mod catalogue;
mod derived;
mod generator;
mod read;
mod shapes;

pub use catalogue::FIGURES;
pub use derived::{ROUND_SENT, disagreements, round_figures};
pub use read::{STATS, stat};

pub use super::format::Unit;

use super::ModeResult;

/// Which way a figure should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither: it describes, it does not judge (TLS full vs resumed).
    Neither,
}

/// Who counts a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observers {
    /// poolbench's own client (connector, engine, pool).
    Client,
    /// The client and the bundled server, each on its own.
    ClientAndServer,
    /// The operating system (`/proc`, the socket table, `getrusage`).
    Os,
    /// The bundled forward proxy, between the client and the server.
    Proxy,
    /// The bundled server alone.
    Server,
}

impl Observers {
    pub fn label(self) -> &'static str {
        match self {
            Observers::Client => "client",
            Observers::ClientAndServer => "client | server",
            Observers::Os => "OS",
            Observers::Proxy => "proxy",
            Observers::Server => "server",
        }
    }
}

/// One figure of the catalogue.
pub struct Figure {
    /// As gate checks and `compare` name it: `handshakes`.
    pub name: &'static str,
    /// As reports title its row.
    pub label: &'static str,
    /// What it is.
    pub doc: &'static str,
    pub unit: Unit,
    pub better: Better,
    pub observers: Observers,
    /// Qualifiers it takes; the first is the default.
    pub qualifiers: Qualifiers,
    /// Whether `compare` judges it and each round keeps it.
    pub compared: bool,
    /// Its value for a mode; `None` if the mode does not measure it.
    pub read: fn(&ModeResult, Option<&str>) -> Option<f64>,
    /// How a report's cell shows it.
    pub show: Show,
    /// Left out of reports when it is 0 for every mode (it only matters
    /// when it happens: overrun responses, warmup handshakes).
    pub quiet: bool,
}

/// How a report's cell shows a figure.
pub enum Show {
    /// The value in its unit; `client | server` for figures both observe,
    /// marked when the two differ.
    Value,
    /// A distribution: mean | p99.
    MeanAndP99,
    /// These qualifiers' values, ` | ` between them.
    Parts(&'static [&'static str]),
    /// Its own text.
    Text(fn(&ModeResult) -> String),
}

/// A report's cell: the text, and whether its two observers disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub mismatch: bool,
}

impl Figure {
    /// The cell of mode `m`; `-` where it was not measured.
    pub fn cell(&self, m: &ModeResult) -> Cell {
        use super::format::in_unit;
        let plain = |text: String| Cell {
            text,
            mismatch: false,
        };
        let Some(value) = self.value(m, None) else {
            return match &self.show {
                Show::Text(text) if self.measured(m) => plain(text(m)),
                // The server saw what the client could not.
                Show::Value if self.observers == Observers::ClientAndServer => {
                    match self.value(m, Some("server")) {
                        Some(s) => plain(format!("- | {}", in_unit(self.unit, s))),
                        None => plain("-".to_string()),
                    }
                }
                _ => plain("-".to_string()),
            };
        };
        match &self.show {
            Show::Value if self.observers == Observers::ClientAndServer => {
                let server = self.value(m, Some("server"));
                Cell {
                    text: format!(
                        "{} | {}",
                        in_unit(self.unit, value),
                        server.map_or("-".to_string(), |s| in_unit(self.unit, s))
                    ),
                    mismatch: self.unit == Unit::Count && server.is_some_and(|s| s != value),
                }
            }
            Show::Value => plain(in_unit(self.unit, value)),
            Show::MeanAndP99 => plain(format!(
                "{} | {}",
                in_unit(self.unit, value),
                in_unit(self.unit, self.value(m, Some("p99")).unwrap_or(0.0))
            )),
            Show::Parts(parts) => plain(
                parts
                    .iter()
                    .map(|q| in_unit(self.unit, self.value(m, Some(q)).unwrap_or(0.0)))
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            Show::Text(text) => plain(text(m)),
        }
    }
}

impl Figure {
    /// The client's value alone, for a summary that has no room for both
    /// sides; `-` where the client did not measure it.
    pub fn client_cell(&self, m: &ModeResult) -> Cell {
        Cell {
            text: self
                .value(m, None)
                .map_or("-".to_string(), |v| super::format::in_unit(self.unit, v)),
            mismatch: false,
        }
    }

    /// The figure named `name`.
    pub fn named(name: &str) -> Option<&'static Figure> {
        FIGURES.iter().find(|f| f.name == name)
    }

    /// Its value for `m` with `qualifier` (the default if `None`).
    pub fn value(&self, m: &ModeResult, qualifier: Option<&str>) -> Option<f64> {
        if self.unobserved(&m.unobserved, qualifier) {
            return None;
        }
        (self.read)(m, qualifier)
    }

    /// Whether a mode whose client cannot observe `unobserved` (its kind's
    /// list) lacks this figure under `qualifier`: all of it, but the side
    /// the bundled server counts (`peak_connections.server`). A qualifier
    /// named `server` on a figure the client observes
    /// (`closed_first.server`: the server closed first, as the client saw
    /// it) is the client's, and unobserved with it.
    pub fn unobserved<S: AsRef<str>>(&self, unobserved: &[S], qualifier: Option<&str>) -> bool {
        let by_server = qualifier == Some("server")
            && matches!(
                self.observers,
                Observers::ClientAndServer | Observers::Server
            );
        !by_server && unobserved.iter().any(|u| u.as_ref() == self.name)
    }

    /// Whether anyone observed it for `m`: by default, or under a qualifier
    /// (a figure only the server sees for a mode whose client is opaque).
    pub fn measured(&self, m: &ModeResult) -> bool {
        let qualifiers = self.qualifiers.list();
        std::iter::once(None)
            .chain(qualifiers.iter().map(|q| Some(*q)))
            .any(|q| self.value(m, q).is_some())
    }

    /// Whether a report of `modes` shows it: some mode measures it (and,
    /// for a quiet figure, it is not 0 everywhere).
    pub fn shown_for(&self, modes: &[ModeResult]) -> bool {
        let measured = |m: &ModeResult| self.measured(m);
        let happened = |m: &ModeResult| {
            self.qualifiers
                .list()
                .iter()
                .map(|q| Some(*q))
                .chain([None])
                .any(|q| self.value(m, q).is_some_and(|v| v != 0.0))
        };
        modes
            .iter()
            .any(|m| measured(m) && (!self.quiet || happened(m)))
    }
}

/// The qualifiers a figure takes.
pub enum Qualifiers {
    /// These, the first the default.
    Fixed(&'static [&'static str]),
    /// `total` (the default), then the names of a kind's values.
    Kinds(fn() -> Vec<&'static str>),
}

impl Qualifiers {
    pub fn list(&self) -> Vec<&'static str> {
        match self {
            Qualifiers::Fixed(q) => q.to_vec(),
            Qualifiers::Kinds(names) => std::iter::once("total").chain(names()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Kind, Phase};

    #[test]
    fn names_are_distinct_and_qualifier_lists_name_every_kind() {
        let mut names: Vec<&str> = FIGURES.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FIGURES.len());
        let errors = Figure::named("errors").map(|f| f.qualifiers.list());
        assert!(errors.is_some_and(|q| q.contains(&"protocol") && q[0] == "total"));
        for phase in Phase::ALL {
            assert!(Figure::named(phase.name()).is_some(), "{phase:?}");
        }
    }
}

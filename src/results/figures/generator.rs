//! The generator's own load: the figure that says whether poolbench's
//! load threads, not the server, bounded a run.

use super::{Better, Figure, Observers, Qualifiers, Show, Unit};

/// The busiest load thread's runnable share of the measured window.
pub(super) const GENERATOR: Figure = Figure {
    name: "generator_busy",
    label: "generator: load threads runnable",
    doc: "the busiest load thread's share of the measured time on a CPU or waiting for one (0..1), from the scheduler's statistics of poolbench's own threads; the cell shows each thread's (90% or more: the generator bounded the run)",
    unit: Unit::Fraction,
    better: Better::Lower,
    observers: Observers::Os,
    qualifiers: Qualifiers::Fixed(&[]),
    compared: false,
    read: |m, _| m.generator.as_ref().map(|g| g.busiest()),
    show: Show::Text(|m| m.generator.as_ref().map_or("-".to_string(), |g| g.cell())),
    quiet: false,
};

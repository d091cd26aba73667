//! Figures of one shape, written once: the misbehaving server's responses
//! (client | server, shown only when there were some) and the latency
//! phases (mean | p99). Expanded in the catalogue, whose names they use.

/// Responses a misbehaving or overwhelmed server sent, as the client failed them and the
/// server counted them; shown only when there were some.
macro_rules! bad_responses {
    ($name:literal, $label:literal, $doc:literal, $field:ident) => {
        Figure {
            name: $name,
            label: $label,
            doc: $doc,
            unit: Unit::Count,
            better: Better::Lower,
            observers: Observers::ClientAndServer,
            qualifiers: SIDES,
            compared: false,
            read: |m, q| sides(m.$field, q),
            show: Show::Value,
            quiet: true,
        }
    };
}

macro_rules! phase_figure {
    ($phase:expr, $name:literal, $label:literal) => {
        Figure {
            name: $name,
            // Its cell is two figures: said where it is read.
            label: concat!($label, " (mean | p99)"),
            doc: "a phase of the latency breakdown, µs: mean | p99 (mean by default)",
            unit: Unit::Micros,
            better: Better::Lower,
            observers: Observers::Client,
            qualifiers: Qualifiers::Fixed(STATS),
            compared: false,
            read: |m, q| {
                let s = m.breakdown_us.phase($phase).filter(|s| s.count > 0)?;
                Some(stat(s, q))
            },
            show: Show::MeanAndP99,
            quiet: false,
        }
    };
}

pub(super) use {bad_responses, phase_figure};

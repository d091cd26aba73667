//! Numbers for reading, formatted in one place for every report.

/// A few significant digits, no trailing zeros: "10", "3.142", "0.0123".
pub fn format_value(v: f64) -> String {
    if v.abs() >= 1000.0 || v == v.trunc() {
        return format!("{v:.0}");
    }
    let digits = if v.abs() >= 100.0 {
        1
    } else if v.abs() >= 1.0 {
        3
    } else {
        4
    };
    let text = format!("{v:.digits$}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Formats µs for reading: "850 µs", "1.23 ms", "2.50 s".
pub fn micros(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

/// What a figure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things (requests, connections, sockets).
    Count,
    /// Per second.
    PerSecond,
    /// Microseconds.
    Micros,
    /// Microseconds of CPU per request.
    MicrosPerRequest,
    /// A fraction, 0..1.
    Fraction,
}

impl Unit {
    /// Its name in CSV and JSON exports.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::PerSecond => "per_s",
            Unit::Micros => "us",
            Unit::MicrosPerRequest => "us_per_request",
            Unit::Fraction => "fraction",
        }
    }

    /// How gate messages and `compare` write a value in this unit.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Count => "",
            Unit::PerSecond => "/s",
            Unit::Micros => " µs",
            Unit::MicrosPerRequest => " µs/req",
            Unit::Fraction => "",
        }
    }
}

/// A value in a figure's unit, as reports show it.
pub fn in_unit(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count | Unit::PerSecond => format!("{v:.0}"),
        Unit::Micros => micros(v),
        Unit::MicrosPerRequest => format!("{v:.1}"),
        Unit::Fraction => format!("{:.2}%", v * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_well() {
        assert_eq!(format_value(10.0), "10");
        assert_eq!(format_value(12345.678), "12346");
        assert_eq!(format_value(4.56789), "4.568");
        assert_eq!(format_value(0.012345), "0.0123");
        assert_eq!(format_value(250.26), "250.3");
    }

    #[test]
    fn formats_latencies_by_magnitude() {
        assert_eq!(micros(850.0), "850 µs");
        assert_eq!(micros(1234.0), "1.23 ms");
        assert_eq!(micros(2_500_000.0), "2.50 s");
    }
}

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

//! Human units in scenario files: durations ("250ms", "10s") and sizes
//! ("4KiB", "1MB", or a plain number of bytes).

use std::time::Duration;

/// Parses a duration such as `"250ms"`, `"10s"` or `"1m 30s"`.
/// `"0"` and `"0s"` are zero; a leading `-` is rejected with its own message.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err("a duration cannot be negative".to_string());
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let d = humantime::parse_duration(text).map_err(|e| format!("not a duration ({e})"))?;
    if d > MAX_DURATION {
        return Err("is longer than poolbench waits for anything (365 days)".to_string());
    }
    Ok(d)
}

/// The longest duration a scenario may give.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Parses a size such as `"4KiB"`, `"16 KB"`, `"1MiB"` or `"512"` (bytes).
/// KB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| "a size starts with a number, like \"4KiB\" or \"512\"".to_string())?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1000,
        "KiB" => 1024,
        "MB" => 1000 * 1000,
        "MiB" => 1024 * 1024,
        "GB" => 1000 * 1000 * 1000,
        "GiB" => 1024 * 1024 * 1024,
        other => {
            return Err(format!(
                "unknown size unit `{other}` (use B, KB, KiB, MB, MiB, GB or GiB)"
            ));
        }
    };
    let bytes = number * factor as f64;
    if bytes.fract() != 0.0 {
        return Err("a size must be a whole number of bytes".to_string());
    }
    Ok(bytes as u64)
}

/// Parses a bandwidth in bytes per second: bits (`"100Mbit"`, `"1Gbit/s"`)
/// or bytes (`"12MB"`, `"10MiB/s"`); the `/s` is optional.
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let text = text.trim().trim_end_matches("/s").trim_end_matches("ps");
    let bits = [
        ("Gbit", 1e9),
        ("Mbit", 1e6),
        ("Kbit", 1e3),
        ("kbit", 1e3),
        ("bit", 1.0),
    ];
    for (unit, factor) in bits {
        if let Some(number) = text.strip_suffix(unit) {
            let n: f64 = number.trim().parse().map_err(|_| {
                format!("a bandwidth starts with a number, like \"100Mbit\" (found \"{text}\")")
            })?;
            let bytes = n * factor / 8.0;
            return if bytes >= 1.0 {
                Ok(bytes as u64)
            } else {
                Err("a bandwidth must be at least 8 bit/s".to_string())
            };
        }
    }
    match parse_size(text) {
        Ok(0) => Err("a bandwidth must be more than 0".to_string()),
        Ok(bytes) => Ok(bytes),
        Err(e) => Err(format!(
            "{e}; bandwidths are like \"100Mbit\" or \"12MB/s\""
        )),
    }
}

/// Formats a byte count the way users write it ("4 KiB", "512 B").
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (name, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {name}", bytes / size);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("16 KB"), Ok(16_000));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert!(parse_size("4 parsecs").unwrap_err().contains("unit"));
        assert!(parse_size("KiB").is_err());
        assert_eq!(format_size(4096), "4 KiB");
        assert_eq!(format_size(100), "100 B");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("100Mbit"), Ok(12_500_000));
        assert_eq!(parse_rate("1Gbit/s"), Ok(125_000_000));
        assert_eq!(parse_rate("12MB/s"), Ok(12_000_000));
        assert_eq!(parse_rate("1MiB"), Ok(1 << 20));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
    }
}

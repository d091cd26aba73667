//! Latency distributions in results.json: summary figures beside the whole
//! HdrHistogram, stored lossless (V2 + DEFLATE, base64) and read back with
//! its header checked first, so a damaged file cannot make decoding
//! allocate without bound.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A latency distribution, µs: summary figures and the whole histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySummary {
    /// Number of values.
    pub count: u64,
    /// Smallest value.
    pub min: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p99_9: u64,
    /// Largest value.
    pub max: u64,
    /// The whole histogram, lossless: HdrHistogram V2 + DEFLATE
    /// serialization, base64. Reports draw from it and re-renders
    /// recompute the same percentiles from it.
    pub hdr: String,
}

impl LatencySummary {
    pub fn of(h: &hdrhistogram::Histogram<u64>) -> LatencySummary {
        if h.is_empty() {
            return LatencySummary {
                hdr: encode_histogram(h),
                ..LatencySummary::default()
            };
        }
        LatencySummary {
            hdr: encode_histogram(h),
            count: h.len(),
            min: h.min(),
            mean: h.mean(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p99_9: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

impl LatencySummary {
    /// The histogram back from `hdr`.
    pub fn histogram(&self) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
        decode_histogram(&self.hdr)
    }

    /// The distribution of both together.
    pub fn merged(&self, o: &LatencySummary) -> anyhow::Result<LatencySummary> {
        use anyhow::Context;
        let mut h = self.histogram()?;
        h.add(o.histogram()?).context("histograms do not merge")?;
        Ok(LatencySummary::of(&h))
    }
}

/// HdrHistogram V2 + DEFLATE, base64.
pub fn encode_histogram(h: &hdrhistogram::Histogram<u64>) -> String {
    use base64::Engine;
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail for a valid histogram.
    use hdrhistogram::serialization::Serializer;
    let _ = hdrhistogram::serialization::V2DeflateSerializer::new().serialize(h, &mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn decode_histogram(text: &str) -> anyhow::Result<hdrhistogram::Histogram<u64>> {
    use anyhow::Context;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .context("histogram is not base64")?;
    check_histogram_header(&bytes)?;
    let mut h: hdrhistogram::Histogram<u64> = hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut std::io::Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("histogram does not decode: {e:?}"))?;
    // As recorded: free to grow when merged with another.
    h.auto(true);
    Ok(h)
}

/// The most a histogram in results.json may claim to span, µs (poolbench's
/// own reach about 2^33): a header that claims more would make decoding
/// allocate without bound, so it is refused before anything is allocated.
const HISTOGRAM_MAX_HIGH: u64 = 1 << 40;
/// The largest payload a histogram may announce, bytes.
const HISTOGRAM_MAX_PAYLOAD: u32 = 16 * 1024 * 1024;

/// Reads an encoded histogram's header (inflating only its first bytes) and
/// refuses bounds no poolbench histogram has.
fn check_histogram_header(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Read;
    const V2: u32 = 0x1c84_9313;
    const V2_DEFLATE: u32 = 0x1c84_9314;
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let u64_at = |b: &[u8], at: usize| -> Option<u64> {
        Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
    };
    let short = || anyhow::anyhow!("histogram is too short to hold a header");
    let mut header = [0u8; 40];
    match u32_at(bytes, 0).ok_or_else(short)? {
        V2 => header.copy_from_slice(bytes.get(..40).ok_or_else(short)?),
        V2_DEFLATE => {
            let payload = u32_at(bytes, 4).ok_or_else(short)?;
            anyhow::ensure!(
                payload as usize == bytes.len() - 8,
                "histogram announces {payload} compressed bytes but holds {}",
                bytes.len() - 8
            );
            flate2::read::ZlibDecoder::new(&bytes[8..])
                .take(40)
                .read_exact(&mut header)
                .map_err(|e| anyhow::anyhow!("histogram does not inflate: {e}"))?;
            anyhow::ensure!(
                u32_at(&header, 0) == Some(V2),
                "histogram has a bad inner cookie"
            );
        }
        other => anyhow::bail!("histogram has an unknown format (cookie {other:#x})"),
    }
    let payload = u32_at(&header, 4).ok_or_else(short)?;
    let digits = u32_at(&header, 12).ok_or_else(short)?;
    let low = u64_at(&header, 16).ok_or_else(short)?;
    let high = u64_at(&header, 24).ok_or_else(short)?;
    anyhow::ensure!(
        payload <= HISTOGRAM_MAX_PAYLOAD
            && (1..=5).contains(&digits)
            && low >= 1
            && low < high
            && high <= HISTOGRAM_MAX_HIGH,
        "histogram header out of bounds (payload {payload} bytes, {digits} digits, \
         range {low}..{high})"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_survive_the_round_trip_exactly() -> anyhow::Result<()> {
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 2048, 3)?;
        h.auto(true);
        for v in [1u64, 7, 130, 131, 5_000, 77_777, 3_000_000] {
            h.record(v)?;
        }
        let summary = LatencySummary::of(&h);
        let back = LatencySummary::of(&summary.histogram()?);
        assert_eq!(back, summary);
        assert_eq!(summary.count, 7);
        assert!(decode_histogram("not base64!").is_err());
        Ok(())
    }
}

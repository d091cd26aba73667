//! What every validator of a scenario is given: the file and its text, to
//! point at values, and the kinds of mode a scenario may name; and the
//! checks of single values every section uses (counts, durations, sizes).

use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::ScenarioError;
use super::raw::RawSize;
use super::units::{parse_duration, parse_size};
use crate::modes::Catalogue;

/// Validation context: the file and its text, to point at values, and the
/// kinds of mode a scenario may name.
pub(super) struct Ctx<'a> {
    pub(super) path: &'a Path,
    pub(super) source: &'a str,
    pub(super) kinds: &'a Catalogue,
}

impl Ctx<'_> {
    pub(super) fn err(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        message: String,
    ) -> ScenarioError {
        ScenarioError::new(self.path, message)
            .at(self.source, span)
            .key(key)
    }

    pub(super) fn positive(
        &self,
        v: &Spanned<i64>,
        key: &str,
        help: &str,
    ) -> Result<u64, ScenarioError> {
        match u64::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self
                .err(
                    v.span(),
                    key,
                    format!("must be at least 1 (found {})", v.get_ref()),
                )
                .help(help)),
        }
    }

    /// A whole number from 1 to `max`.
    pub(super) fn bounded(
        &self,
        v: &Spanned<i64>,
        key: &str,
        max: u64,
        help: &str,
    ) -> Result<u64, ScenarioError> {
        let n = self.positive(v, key, help)?;
        if n > max {
            return Err(self
                .err(v.span(), key, format!("must be at most {max} (found {n})"))
                .help(help));
        }
        Ok(n)
    }

    pub(super) fn non_negative(
        &self,
        v: &Spanned<i64>,
        key: &str,
        help: &str,
    ) -> Result<u64, ScenarioError> {
        u64::try_from(*v.get_ref()).map_err(|_| {
            self.err(
                v.span(),
                key,
                format!("cannot be negative (found {})", v.get_ref()),
            )
            .help(help)
        })
    }

    pub(super) fn duration(
        &self,
        v: &Spanned<String>,
        key: &str,
    ) -> Result<Duration, ScenarioError> {
        parse_duration(v.get_ref()).map_err(|m| {
            self.err(v.span(), key, format!("{m}: \"{}\"", v.get_ref()))
                .help("write a duration like \"250ms\", \"10s\" or \"1m 30s\"")
        })
    }

    /// A size: a number of bytes or a string like "4KiB".
    pub(super) fn size(&self, v: &Spanned<RawSize>, key: &str) -> Result<u64, ScenarioError> {
        match v.get_ref() {
            RawSize::Bytes(n) => self.non_negative(
                &Spanned::new(v.span(), *n),
                key,
                "a size is a number of bytes or a string like \"4KiB\"",
            ),
            RawSize::Text(t) => parse_size(t).map_err(|m| {
                self.err(v.span(), key, format!("{m}: \"{t}\""))
                    .help("write a size like \"4KiB\", \"1MB\" or a number of bytes")
            }),
        }
    }
}

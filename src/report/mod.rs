//! Reports are pure functions of [`Results`];
//! writing them to disk happens in one place, [`write_atomic`], so an
//! interrupted run never leaves half a file.

pub mod charts;
pub mod ci;
pub mod html;
pub mod terminal;
mod verdict;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::results::Results;

/// The TIME_WAIT cell: "client | server", with "≥" when the kernel may
/// have recycled sockets before they were seen.
pub fn time_wait_cell(m: &crate::results::ModeResult) -> String {
    let t = &m.time_wait;
    let bound = if t.lower_bound() { "≥ " } else { "" };
    format!("{bound}{} | {}", t.client_side, t.server_side)
}

/// How connections ended: "client FIN first | server FIN first | resets".
pub fn ends_cell(m: &crate::results::ModeResult) -> String {
    let e = &m.connection_ends;
    format!(
        "{} | {} | {}",
        e.client_closed_first,
        e.server_closed_first,
        e.client_reset + e.server_reset
    )
}

/// The pool's retries, or "-" for a mode without poolbench's pool.
pub fn retries_cell(m: &crate::results::ModeResult) -> String {
    m.pool
        .as_ref()
        .map_or_else(|| "-".to_string(), |p| p.retries.to_string())
}

/// The results as pretty JSON, the `results.json` contract.
pub fn json(results: &Results) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(results)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes the whole report into `dir`: results.json, one SVG per chart,
/// and index.html last, each file atomically. Returns the files written.
pub fn write_report(dir: &Path, results: &Results) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let charts = charts::render_all(results)?;
    let html = html::render(results, &charts);
    let mut files = vec![(dir.join("results.json"), json(results)?)];
    for chart in &charts {
        files.push((dir.join(chart.file), chart.svg.clone().into_bytes()));
    }
    files.push((dir.join("index.html"), html.into_bytes()));
    for (path, bytes) in &files {
        write_atomic(path, bytes)?;
    }
    for stale in charts::FILES
        .iter()
        .filter(|f| !charts.iter().any(|c| c.file == **f))
    {
        match std::fs::remove_file(dir.join(stale)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove the stale {stale}"));
            }
            _ => {}
        }
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// Reads a results.json written by `poolbench run`.
pub fn read_results(path: &Path) -> anyhow::Result<Results> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a poolbench results file (schema version {})",
            path.display(),
            crate::results::SCHEMA_VERSION
        )
    })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames
/// it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("results.json");
        write_atomic(&path, b"one")?;
        write_atomic(&path, b"two")?;
        assert_eq!(std::fs::read(&path)?, b"two");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }

    #[test]
    fn atomic_write_into_missing_directory_fails_clearly() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let written = write_atomic(&dir.path().join("no/such/results.json"), b"x");
        assert!(written.is_err_and(|e| format!("{e:#}").contains("cannot write")));
        Ok(())
    }
}

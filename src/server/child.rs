//! The runner's side of the bundled server: `poolbench serve` as a child
//! process (see [`crate::child`]) and its counters.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::{ServerConfig, ServerSnapshot};
use crate::child::ChildProcess;
use crate::tls::{TestPki, TlsSettings, TlsVersion};

/// A running server child.
pub struct ServerChild {
    process: ChildProcess,
    /// Where it serves plain HTTP.
    pub addr: SocketAddr,
    /// Where it serves HTTPS, if it was given a certificate.
    pub tls_addr: Option<SocketAddr>,
}

impl ServerChild {
    /// Starts `exe serve` on 127.0.0.1, port 0 (and a second port for HTTPS
    /// when `tls` is given), and waits for its addresses.
    pub async fn start(
        exe: &Path,
        config: &ServerConfig,
        tls: Option<(&TestPki, TlsSettings)>,
    ) -> anyhow::Result<ServerChild> {
        let mut args = serve_args(config);
        // The certificate and key go through a private temporary directory,
        // removed as soon as the child has read them.
        let dir = match tls {
            Some((pki, settings)) => {
                let dir = PemDir::write(pki)?;
                args.extend(tls_args(&dir, settings));
                Some(dir)
            }
            None => None,
        };
        let process = ChildProcess::start("the bundled server", exe, args).await;
        drop(dir);
        let process = process?;
        Ok(ServerChild {
            addr: process.addrs[0],
            tls_addr: process.addrs.get(1).copied(),
            process,
        })
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// Starts a new peak window and returns the counters.
    pub async fn begin(&mut self) -> anyhow::Result<ServerSnapshot> {
        self.snapshot("begin").await
    }

    /// The counters now.
    pub async fn stats(&mut self) -> anyhow::Result<ServerSnapshot> {
        self.snapshot("stats").await
    }

    /// Waits until the server has no open connection (the client closed
    /// them), so the next mode starts from a clean server. Returns the last
    /// counters, whether or not it got there within `limit`.
    pub async fn settle(&mut self, limit: Duration) -> anyhow::Result<ServerSnapshot> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let snapshot = self.stats().await?;
            if snapshot.open == 0 || tokio::time::Instant::now() >= deadline {
                return Ok(snapshot);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Closes the control channel and waits for the child to exit.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.process.stop().await
    }

    async fn snapshot(&mut self, command: &str) -> anyhow::Result<ServerSnapshot> {
        let line = self.process.command(command).await?;
        serde_json::from_str(&line)
            .with_context(|| format!("bad reply from the bundled server: {line:?}"))
    }
}

/// A directory holding cert.pem and key.pem, removed when dropped.
struct PemDir(PathBuf);

impl PemDir {
    fn write(pki: &TestPki) -> anyhow::Result<PemDir> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("poolbench-tls-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let dir = PemDir(path);
        std::fs::write(dir.0.join("cert.pem"), &pki.cert_pem)?;
        std::fs::write(dir.0.join("key.pem"), &pki.key_pem)?;
        Ok(dir)
    }
}

impl Drop for PemDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tls_args(dir: &PemDir, settings: TlsSettings) -> Vec<String> {
    let mut args = vec![
        "--tls-cert".to_string(),
        dir.0.join("cert.pem").display().to_string(),
        "--tls-key".to_string(),
        dir.0.join("key.pem").display().to_string(),
        "--tls-version".to_string(),
        match settings.version {
            TlsVersion::Tls12 => "1.2",
            TlsVersion::Tls13 => "1.3",
        }
        .to_string(),
    ];
    if !settings.resumption {
        args.push("--no-tls-resumption".to_string());
    }
    args
}

/// The `poolbench serve` arguments that reproduce `config`.
fn serve_args(config: &ServerConfig) -> Vec<String> {
    let duration = |d: Duration| humantime::format_duration(d).to_string();
    let flags = [
        ("--host", "127.0.0.1".to_string()),
        ("--port", "0".to_string()),
        ("--control", "stdio".to_string()),
        ("--think-time", duration(config.think_time)),
        ("--body-size", config.body_size.to_string()),
        ("--keep-alive-timeout", duration(config.keep_alive_timeout)),
        (
            "--max-requests-per-connection",
            config.max_requests_per_connection.to_string(),
        ),
        ("--threads", config.threads.to_string()),
        ("--reset-every", config.reset_every.to_string()),
        ("--slow-body", duration(config.slow_body)),
        ("--body-overrun", config.body_overrun.to_string()),
    ];
    let mut args = vec!["serve".to_string()];
    for (flag, value) in flags {
        args.push(flag.to_string());
        args.push(value);
    }
    args
}

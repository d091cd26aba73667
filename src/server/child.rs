//! The runner's side of the bundled server: `poolbench serve` as a child
//! process (see [`crate::child`]) and its counters.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::{ServeSetup, ServeTls, ServerConfig, ServerSnapshot};
use crate::child::ChildProcess;
use crate::tls::{TestPki, TlsSettings};

/// A running server child.
pub struct ServerChild {
    process: ChildProcess,
    /// Where it serves plain HTTP (its first authority's port).
    pub addr: SocketAddr,
    /// Where it serves HTTPS, if it was given a certificate.
    pub tls_addr: Option<SocketAddr>,
    /// Each authority's HTTP and HTTPS addresses, in order (one entry when
    /// it serves one authority).
    pub authorities: Vec<(SocketAddr, Option<SocketAddr>)>,
    /// Each authority's counters at the last reply (empty with one).
    pub last_authorities: Vec<ServerSnapshot>,
    /// Each authority's Unix domain socket, when asked for; removed with
    /// their directory when the server is dropped.
    pub unix: Vec<PathBuf>,
    _sockets: Option<SocketDir>,
}

/// A directory of the run's own for the server's Unix sockets (mode 0700),
/// removed when dropped.
struct SocketDir(PathBuf);

impl SocketDir {
    fn create() -> anyhow::Result<SocketDir> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("poolbench-{}-{nanos}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot make {} for the server's sockets", dir.display()))?;
        Ok(SocketDir(dir))
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl ServerChild {
    /// Starts `exe serve` on 127.0.0.1, port 0 (and a second port for HTTPS
    /// when `tls` is given, and a Unix socket per authority when `unix`),
    /// and waits for its addresses.
    pub async fn start(
        exe: &Path,
        config: &ServerConfig,
        authorities: &[ServerConfig],
        tls: Option<(&TestPki, TlsSettings)>,
        unix: bool,
    ) -> anyhow::Result<ServerChild> {
        let sockets = unix.then(SocketDir::create).transpose()?;
        let unix: Vec<PathBuf> = match &sockets {
            Some(dir) => (0..authorities.len().max(1))
                .map(|i| dir.0.join(format!("{i}.sock")))
                .collect(),
            None => Vec::new(),
        };
        let setup = ServeSetup {
            unix: unix.clone(),
            config: config.clone(),
            authorities: authorities.to_vec(),
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 0,
            tls: tls.map(|(pki, settings)| ServeTls {
                cert_pem: pki.cert_pem.clone(),
                key_pem: pki.key_pem.clone(),
                port: 0,
                settings,
            }),
        };
        let process = ChildProcess::start("the bundled server", exe, "serve", &setup).await?;
        let per = if setup.tls.is_some() { 2 } else { 1 };
        let authorities: Vec<(SocketAddr, Option<SocketAddr>)> = process
            .addrs
            .chunks(per)
            .map(|c| (c[0], c.get(1).copied()))
            .collect();
        let (addr, tls_addr) = *authorities
            .first()
            .context("the bundled server reported no address")?;
        Ok(ServerChild {
            addr,
            tls_addr,
            authorities,
            last_authorities: Vec::new(),
            process,
            unix,
            _sockets: sockets,
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
        let report: super::control::ServerReport = serde_json::from_str(&line)
            .with_context(|| format!("bad reply from the bundled server: {line:?}"))?;
        self.last_authorities = report.authorities;
        Ok(report.server)
    }
}

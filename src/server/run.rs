//! `poolbench serve` as a process: binds its ports, serves until Ctrl-C
//! (standalone) or until its control channel closes (a child of `poolbench
//! run`, which sends the whole [`ServeSetup`] as one JSON line).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{ServerConfig, ServerCounters, serve, serve_tls};
use crate::child::Control;
use crate::tls::TlsSettings;

/// Everything a server process needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServeSetup {
    pub config: ServerConfig,
    /// Several authorities, each on its own port (and HTTPS port) with its
    /// own behaviour; empty: one, with `config`.
    #[serde(default)]
    pub authorities: Vec<ServerConfig>,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port for plain HTTP; 0 picks a free one.
    pub port: u16,
    /// HTTPS on a second port, if given.
    pub tls: Option<ServeTls>,
    /// Also serve plain HTTP on these Unix domain sockets, one per
    /// authority (one for the server with one).
    #[serde(default)]
    pub unix: Vec<std::path::PathBuf>,
}

/// The certificate and how to do TLS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServeTls {
    /// The certificate chain, PEM.
    pub cert_pem: String,
    /// Its private key, PEM.
    pub key_pem: String,
    /// Port for HTTPS; 0 picks a free one.
    pub port: u16,
    pub settings: TlsSettings,
}

/// Runs a server standalone until Ctrl-C.
pub fn run(setup: ServeSetup) -> anyhow::Result<()> {
    runtime(&setup.config)?.block_on(async move {
        let (listening, tasks, _counters) = start(&setup).await?;
        eprintln!(
            "poolbench serve: listening on http://{}/ (Ctrl-C stops)",
            listening[0]
        );
        if let Some(tls) = listening.get(1) {
            eprintln!("poolbench serve: listening on https://{tls}/");
        }
        if let Some(path) = setup.unix.first() {
            eprintln!("poolbench serve: listening on unix://{}", path.display());
        }
        tokio::signal::ctrl_c().await?;
        tasks.iter().for_each(|t| t.abort());
        Ok(())
    })
}

/// Runs a server as `poolbench run`'s child: the setup comes on stdin, the
/// counters go back on stdout (see [`super::control`]).
pub fn run_child() -> anyhow::Result<()> {
    // The setup names the runtime's size, so a small runtime reads it first.
    let reader = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (control, setup) = reader.block_on(Control::open::<ServeSetup>())?;
    drop(reader);
    runtime(&setup.config)?.block_on(async move {
        let (listening, tasks, counters) = start(&setup).await?;
        super::control::serve(control, listening, counters).await?;
        tasks.iter().for_each(|t| t.abort());
        Ok(())
    })
}

type Tasks = Vec<tokio::task::JoinHandle<()>>;

/// The whole server's counters, and each authority's (empty with one).
pub struct Counted {
    pub server: Arc<ServerCounters>,
    pub authorities: Vec<Arc<ServerCounters>>,
}

async fn start(setup: &ServeSetup) -> anyhow::Result<(Vec<SocketAddr>, Tasks, Counted)> {
    let tls = setup
        .tls
        .as_ref()
        .map(|t| crate::tls::server_config(t.cert_pem.as_bytes(), t.key_pem.as_bytes(), t.settings))
        .transpose()?;
    let server = Arc::new(ServerCounters::default());
    let mut counted = Counted {
        server: Arc::clone(&server),
        authorities: Vec::new(),
    };
    // One authority: the given ports, counted as the server. Several: each
    // on ports of its own, counted for itself and for the server.
    let single = [setup.config.clone()];
    let (configs, ports) = match setup.authorities.as_slice() {
        [] => (
            &single[..],
            (setup.port, setup.tls.as_ref().map_or(0, |t| t.port)),
        ),
        several => (several, (0, 0)),
    };
    let mut listening = Vec::new();
    let mut tasks = Vec::new();
    if !setup.unix.is_empty() && setup.unix.len() != configs.len() {
        anyhow::bail!(
            "{} Unix sockets for {} authorities",
            setup.unix.len(),
            configs.len()
        );
    }
    for (i, config) in configs.iter().enumerate() {
        let counters = if setup.authorities.is_empty() {
            Arc::clone(&server)
        } else {
            let own = Arc::new(ServerCounters::for_authority(&server));
            counted.authorities.push(Arc::clone(&own));
            own
        };
        let listener = bind(SocketAddr::new(setup.host, ports.0)).await?;
        listening.push(listener.local_addr()?);
        tasks.push(tokio::spawn(serve(
            listener,
            config.clone(),
            Arc::clone(&counters),
        )));
        if let Some(tls) = &tls {
            let listener = bind(SocketAddr::new(setup.host, ports.1)).await?;
            listening.push(listener.local_addr()?);
            tasks.push(tokio::spawn(serve_tls(
                listener,
                config.clone(),
                Arc::clone(&counters),
                Arc::clone(tls),
            )));
        }
        if let Some(path) = setup.unix.get(i) {
            let listener = bind_unix(path)?;
            tasks.push(tokio::spawn(serve(listener, config.clone(), counters)));
        }
    }
    Ok((listening, tasks, counted))
}

fn runtime(config: &ServerConfig) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()?)
}

/// Listens on the Unix domain socket `path`, replacing a socket left there
/// by an earlier server (never any other kind of file).
pub fn bind_unix(path: &std::path::Path) -> anyhow::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::FileTypeExt;
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        anyhow::ensure!(
            meta.file_type().is_socket(),
            "cannot listen on {}: a file that is not a socket is there",
            path.display()
        );
        std::fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    tokio::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))
}

/// Listens on `addr`.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

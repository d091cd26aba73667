//! `poolbench proxy` as a process: listens until Ctrl-C (standalone) or
//! until its control channel closes (a child of `poolbench run`, which
//! reads its counters with `stats`).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ProxyCounters, serve};
use crate::child::Control;
use crate::server::bind;

/// Everything a proxy process needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProxySetup {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
}

/// Runs the proxy standalone until Ctrl-C.
pub fn run(setup: ProxySetup) -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        let listener = bind(SocketAddr::new(setup.host, setup.port)).await?;
        eprintln!(
            "poolbench proxy: listening on http://{}/ (Ctrl-C stops)",
            listener.local_addr()?
        );
        let task = tokio::spawn(serve(listener, Arc::default()));
        tokio::signal::ctrl_c().await?;
        task.abort();
        Ok(())
    })
}

/// Runs the proxy as `poolbench run`'s child: the setup comes on stdin;
/// `stats` answers with its counters.
pub fn run_child() -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        let (control, setup) = Control::open::<ProxySetup>().await?;
        let listener = bind(SocketAddr::new(setup.host, setup.port)).await?;
        let listening = vec![listener.local_addr()?];
        let counters = Arc::new(ProxyCounters::default());
        let task = tokio::spawn(serve(listener, Arc::clone(&counters)));
        control
            .serve(listening, |command| match command {
                "stats" => serde_json::to_string(&counters.snapshot()).ok(),
                _ => None,
            })
            .await?;
        task.abort();
        Ok(())
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

/// The runner's side of a proxy child: its address and its counters.
pub struct ProxyChild {
    process: crate::child::ChildProcess,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ProxyChild {
    /// Starts `exe proxy` on 127.0.0.1, a free port.
    pub async fn start(exe: &std::path::Path) -> anyhow::Result<ProxyChild> {
        let setup = ProxySetup {
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 0,
        };
        let process =
            crate::child::ChildProcess::start("the forward proxy", exe, "proxy", &setup).await?;
        let addr = *process
            .addrs
            .first()
            .ok_or_else(|| anyhow::anyhow!("the forward proxy reported no address"))?;
        Ok(ProxyChild { process, addr })
    }

    /// Its counters now.
    pub async fn stats(&mut self) -> anyhow::Result<super::ProxySnapshot> {
        let line = self.process.command("stats").await?;
        serde_json::from_str(&line)
            .map_err(|e| anyhow::anyhow!("bad reply from the forward proxy: {line:?} ({e})"))
    }

    /// Closes the control channel and waits for it to exit.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.process.stop().await
    }
}

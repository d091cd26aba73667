//! `poolbench link` as a process: a link in front of each upstream, until
//! Ctrl-C (standalone) or until its control channel closes (a child of
//! `poolbench run`, which sends the whole [`LinkSetup`] as one JSON line).

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use super::{LinkConfig, serve};
use crate::child::Control;
use crate::server::bind;

/// Everything a link process needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkSetup {
    pub config: LinkConfig,
    /// The servers to relay to; each gets a port of its own.
    pub upstreams: Vec<SocketAddr>,
    /// Address to listen on.
    pub host: IpAddr,
    /// Port for the first upstream; 0 picks a free one (the others always
    /// get free ones).
    pub port: u16,
}

/// Runs the link standalone until Ctrl-C.
pub fn run(setup: LinkSetup) -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        let (listening, tasks) = start(&setup).await?;
        for (addr, upstream) in listening.iter().zip(&setup.upstreams) {
            eprintln!(
                "poolbench link: {addr} → {upstream} with rtt {:?}",
                setup.config.rtt
            );
        }
        eprintln!("poolbench link: Ctrl-C stops");
        tokio::signal::ctrl_c().await?;
        tasks.iter().for_each(|t| t.abort());
        Ok(())
    })
}

/// Runs the link as `poolbench run`'s child: the setup comes on stdin.
pub fn run_child() -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        let (control, setup) = Control::open::<LinkSetup>().await?;
        let (listening, tasks) = start(&setup).await?;
        control.serve(listening, |_| None).await?;
        tasks.iter().for_each(|t| t.abort());
        Ok(())
    })
}

async fn start(
    setup: &LinkSetup,
) -> anyhow::Result<(Vec<SocketAddr>, Vec<tokio::task::JoinHandle<()>>)> {
    let mut listening = Vec::new();
    let mut tasks = Vec::new();
    for (i, upstream) in setup.upstreams.iter().enumerate() {
        let port = if i == 0 { setup.port } else { 0 };
        let listener = bind(SocketAddr::new(setup.host, port)).await?;
        listening.push(listener.local_addr()?);
        tasks.push(tokio::spawn(serve(listener, *upstream, setup.config)));
    }
    Ok((listening, tasks))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

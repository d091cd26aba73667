//! The stage a scenario runs on: the bundled server child (or an external
//! target) and, if the scenario has a `[link]`, the link emulator child in
//! front of it. Set up once per run, torn down at the end, also on errors
//! (children are killed when their handles drop).

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use http::Uri;

use crate::child::ChildProcess;
use crate::connect::{CountingConnector, resolve};
use crate::link::LinkConfig;
use crate::metrics::ConnectionGauge;
use crate::scenario::{Scenario, Target};
use crate::server::child::ServerChild;

pub struct Stage {
    /// The URL requests are sent to (its authority is the server's).
    pub url: Uri,
    /// The bundled server; `None` for an external target.
    pub server: Option<ServerChild>,
    /// The link emulator and what it emulates.
    link: Option<(ChildProcess, LinkConfig)>,
    /// The port the client dials: the link's if there is one.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
}

impl Stage {
    pub async fn start(scenario: &Scenario, exe: &Path) -> anyhow::Result<Stage> {
        let (server, url) = match &scenario.target {
            Target::Bundled(config) => {
                let server = ServerChild::start(exe, config).await?;
                let url: Uri = format!("http://{}/", server.addr).parse()?;
                (Some(server), url)
            }
            Target::External { url } => (None, url.clone()),
        };
        let server_addr = match &server {
            Some(s) => s.addr,
            None => resolve(&url)
                .await
                .with_context(|| format!("cannot resolve the target {url}"))?,
        };
        let link = match scenario.link {
            Some(config) => {
                let args = link_args(server_addr, &config);
                let child = ChildProcess::start("the link emulator", exe, args).await?;
                Some((child, config))
            }
            None => None,
        };
        Ok(Stage {
            client_port: link
                .as_ref()
                .map_or(server_addr.port(), |(l, _)| l.addr.port()),
            server_port: server_addr.port(),
            url,
            server,
            link,
        })
    }

    /// A connector counting into `gauge` that dials through the link, if any.
    pub fn connector(&self, gauge: std::sync::Arc<ConnectionGauge>) -> CountingConnector {
        let connector = CountingConnector::new(gauge);
        match &self.link {
            Some((child, config)) => connector.via_link(child.addr, config.rtt),
            None => connector,
        }
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        if let Some((link, _)) = self.link {
            link.stop().await?;
        }
        if let Some(server) = self.server {
            server.stop().await?;
        }
        Ok(())
    }
}

/// The `poolbench link` arguments for a link in front of `upstream`.
fn link_args(upstream: SocketAddr, config: &LinkConfig) -> Vec<String> {
    let mut args = vec![
        "link".to_string(),
        "--upstream".to_string(),
        upstream.to_string(),
        "--rtt".to_string(),
        humantime::format_duration(config.rtt).to_string(),
        "--control".to_string(),
        "stdio".to_string(),
    ];
    if let Some(rate) = config.bandwidth {
        args.push("--bandwidth".to_string());
        args.push(format!("{rate}B"));
    }
    args
}

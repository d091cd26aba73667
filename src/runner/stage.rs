//! The stage a scenario runs on: the bundled server child (or an external
//! target), the TLS material for HTTPS, and, if the scenario has a `[link]`,
//! the link emulator child in front of each server port. Set up once per
//! run and torn down at the end, also on errors (children are killed when
//! their handles drop).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use http::Uri;

use crate::child::ChildProcess;
use crate::connect::{CountingConnector, resolve};
use crate::link::LinkConfig;
use crate::metrics::ConnectionGauge;
use crate::scenario::{Scenario, Target, Transport};
use crate::server::child::ServerChild;
use crate::tls::{TestPki, TlsTrust};

/// Where one transport's requests go.
pub struct Endpoint {
    pub transport: Transport,
    /// The URL requests are sent to (its authority is the server's).
    pub url: Uri,
    /// The port the client dials: the link's, if there is one.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
    /// The link address the client dials instead of the server.
    via: Option<SocketAddr>,
}

pub struct Stage {
    /// One per transport of the scenario, in order.
    pub endpoints: Vec<Endpoint>,
    /// The bundled server; `None` for an external target.
    pub server: Option<ServerChild>,
    link: Option<(ChildProcess, LinkConfig)>,
    /// What HTTPS clients trust; `None` without HTTPS.
    pub trust: Option<TlsTrust>,
}

impl Endpoint {
    /// The address the client dials, as text.
    pub fn dialled(&self) -> String {
        match self.via {
            Some(addr) => addr.to_string(),
            None => self
                .url
                .authority()
                .map_or_else(String::new, |a| a.to_string()),
        }
    }
}

impl Stage {
    pub async fn start(scenario: &Scenario, exe: &Path) -> anyhow::Result<Stage> {
        let https = scenario.transports.contains(&Transport::Https);
        let (server, trust) = match &scenario.target {
            Target::Bundled(config) => {
                let pki = if https {
                    Some(TestPki::generate()?)
                } else {
                    None
                };
                let tls = pki.as_ref().map(|p| (p, scenario.tls));
                let server = ServerChild::start(exe, config, &[], tls).await?;
                let trust = pki.map(|p| TlsTrust {
                    ca: Some(p.ca),
                    settings: scenario.tls,
                });
                (Some(server), trust)
            }
            Target::External { .. } => {
                let ca = scenario
                    .ca_file
                    .as_deref()
                    .map(TlsTrust::ca_from_file)
                    .transpose()?;
                let trust = https.then_some(TlsTrust {
                    ca,
                    settings: scenario.tls,
                });
                (None, trust)
            }
        };
        let mut endpoints = Vec::new();
        for &transport in &scenario.transports {
            let (url, server_addr) = match (&scenario.target, &server) {
                (Target::Bundled(_), Some(server)) => bundled_url(server, transport)?,
                (Target::External { url, .. }, _) => {
                    let addr = resolve(url).await.map_err(|e| {
                        let host = url.host().unwrap_or_default();
                        scenario
                            .error_at("target.url", format!("cannot resolve {host}: {e}"))
                            .help("check the host name, or give an IP address")
                    })?;
                    (url.clone(), addr)
                }
                (Target::Bundled(_), None) => unreachable!("a bundled target has a server"),
            };
            endpoints.push(Endpoint {
                transport,
                url,
                client_port: server_addr.port(),
                server_port: server_addr.port(),
                via: Some(server_addr),
            });
        }
        let link = match scenario.link {
            Some(config) => {
                let upstreams: Vec<SocketAddr> = endpoints.iter().filter_map(|e| e.via).collect();
                let setup = crate::link::LinkSetup {
                    config,
                    upstreams,
                    host: std::net::Ipv4Addr::LOCALHOST.into(),
                    port: 0,
                };
                let child = ChildProcess::start("the link emulator", exe, "link", &setup).await?;
                for (endpoint, addr) in endpoints.iter_mut().zip(&child.addrs) {
                    endpoint.via = Some(*addr);
                    endpoint.client_port = addr.port();
                }
                Some((child, config))
            }
            None => {
                endpoints.iter_mut().for_each(|e| e.via = None);
                None
            }
        };
        Ok(Stage {
            endpoints,
            server,
            link,
            trust,
        })
    }

    /// A connector for `endpoint` counting into `gauge`: through the link if
    /// there is one, with a TLS config of its own (its own session cache)
    /// for HTTPS.
    pub fn connector(
        &self,
        endpoint: &Endpoint,
        gauge: Arc<ConnectionGauge>,
    ) -> anyhow::Result<CountingConnector> {
        let mut connector = CountingConnector::new(gauge);
        if let (Some((_, config)), Some(via)) = (&self.link, endpoint.via) {
            connector = connector.via_link(via, config.rtt);
        }
        if let (Transport::Https, Some(trust)) = (endpoint.transport, &self.trust) {
            connector = connector.with_tls(trust.client_config(false)?);
        }
        Ok(connector)
    }

    /// The emulated link's round trip; zero without a link.
    pub fn link_rtt(&self) -> std::time::Duration {
        self.link
            .as_ref()
            .map_or(std::time::Duration::ZERO, |(_, c)| c.rtt)
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

fn bundled_url(server: &ServerChild, transport: Transport) -> anyhow::Result<(Uri, SocketAddr)> {
    let addr = match transport {
        Transport::Http => server.addr,
        Transport::Https => server
            .tls_addr
            .context("the bundled server did not open an HTTPS port")?,
    };
    Ok((format!("{}://{addr}/", transport.name()).parse()?, addr))
}

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
use crate::proxy::ProxyChild;
use crate::results::Transport;
use crate::scenario::{ProxySpec, Scenario, Target};
use crate::server::child::ServerChild;
use crate::tls::{TestPki, TlsTrust};

/// Where one transport's requests go: one route per authority.
pub struct Endpoint {
    pub transport: Transport,
    pub routes: Vec<Route>,
}

/// One authority of an endpoint.
pub struct Route {
    /// Its share of the requests.
    pub weight: u32,
    /// The URL requests are sent to (its authority is the server's).
    pub url: Uri,
    /// The port the client dials: the link's, if there is one.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
    /// The link address the client dials instead of the server.
    via: Option<SocketAddr>,
    /// The Unix domain socket the client dials instead of any address.
    unix: Option<Arc<Path>>,
}

pub struct Stage {
    /// One per transport of the scenario, in order.
    pub endpoints: Vec<Endpoint>,
    /// The bundled server; `None` for an external target.
    pub server: Option<ServerChild>,
    link: Option<(ChildProcess, LinkConfig)>,
    /// What HTTPS clients trust; `None` without HTTPS.
    pub trust: Option<TlsTrust>,
    /// poolbench's forward proxy, when the run goes through it.
    pub proxy: Option<ProxyChild>,
    /// Whether every route dials a forward proxy (poolbench's or yours).
    proxied: bool,
    /// Your proxy's `Proxy-Authorization`, from its URL's `user:password@`.
    proxy_authorization: Option<String>,
}

impl Endpoint {
    /// The URLs requests go to, as text: one, or each authority's.
    pub fn urls(&self) -> String {
        let urls: Vec<String> = self.routes.iter().map(|r| r.url.to_string()).collect();
        urls.join(", ")
    }

    /// The addresses the client dials, as text.
    pub fn dialled(&self) -> String {
        let dialled: Vec<String> = self
            .routes
            .iter()
            .map(|r| match (&r.unix, r.via) {
                (Some(path), _) => format!("unix:{}", path.display()),
                (None, Some(addr)) => addr.to_string(),
                (None, None) => r
                    .url
                    .authority()
                    .map_or_else(String::new, |a| a.to_string()),
            })
            .collect();
        dialled.join(" ")
    }

    /// The ports a socket of this endpoint has, client's and server's.
    pub fn ports(&self) -> crate::metrics::time_wait::Ports {
        let mut ports = crate::metrics::time_wait::Ports {
            client: Default::default(),
            server: Default::default(),
        };
        // A Unix socket has no port (and no TIME_WAIT).
        for r in self.routes.iter().filter(|r| r.unix.is_none()) {
            ports.client.push(r.client_port);
            ports.server.push(r.server_port);
        }
        ports
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
                let configs: Vec<_> = scenario
                    .authorities
                    .iter()
                    .filter_map(|a| a.server().cloned())
                    .collect();
                let unix = scenario.transports.contains(&Transport::Unix);
                let server = ServerChild::start(exe, config, &configs, tls, unix).await?;
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
            let routes = match (&scenario.target, &server) {
                (Target::Bundled(_), Some(server)) => bundled_routes(scenario, server, transport)?,
                (Target::External { .. }, _) => external_routes(scenario).await?,
                (Target::Bundled(_), None) => unreachable!("a bundled target has a server"),
            };
            endpoints.push(Endpoint { transport, routes });
        }
        let (proxy, proxy_addr) = start_proxy(scenario, exe).await?;
        if let Some(addr) = proxy_addr {
            // The proxy is dialled for every authority; the link, if any,
            // sits before it.
            let routes = endpoints.iter_mut().flat_map(|e| e.routes.iter_mut());
            for r in routes {
                r.via = Some(addr);
                r.client_port = addr.port();
            }
        }
        let link = start_link(scenario, exe, &mut endpoints).await?;
        Ok(Stage {
            endpoints,
            server,
            link,
            trust,
            proxy,
            proxied: proxy_addr.is_some(),
            proxy_authorization: scenario.proxy.as_ref().and_then(|p| p.authorization()),
        })
    }

    /// A connector for `endpoint` counting into `gauge` (and, with several
    /// authorities, each into its gauge of `by_authority`): through the
    /// link if there is one, with a TLS config of its own (its own session
    /// cache) for HTTPS.
    pub fn connector(
        &self,
        endpoint: &Endpoint,
        gauge: Arc<ConnectionGauge>,
        by_authority: &[Arc<ConnectionGauge>],
        http: crate::results::HttpVersion,
    ) -> anyhow::Result<CountingConnector> {
        let mut connector = CountingConnector::new(gauge);
        let first = &endpoint.routes[0];
        if let (Some((_, config)), Some(via)) = (&self.link, first.via) {
            connector = connector.via_link(via, config.rtt);
        }
        if self.proxied {
            connector = connector.through_proxy(self.proxy_authorization.clone());
            if let (None, Some(via)) = (&self.link, first.via) {
                connector = connector.via_link(via, std::time::Duration::ZERO);
            }
        }
        if let (Some(path), 1) = (&first.unix, endpoint.routes.len()) {
            connector = connector.via_unix(path);
        }
        if endpoint.routes.len() > 1 {
            let routes = endpoint
                .routes
                .iter()
                .zip(by_authority)
                .map(|(r, gauge)| crate::connect::Route {
                    authority: r
                        .url
                        .authority()
                        .map_or_else(String::new, |a| a.to_string()),
                    via: r.via,
                    unix: r.unix.clone(),
                    gauge: Arc::clone(gauge),
                })
                .collect();
            connector = connector.with_routes(routes);
        }
        if let (Transport::Https, Some(trust)) = (endpoint.transport, &self.trust) {
            let config = crate::tls::with_alpn(trust.client_config(false)?, http.alpn());
            connector = connector.with_tls(config);
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
        if let Some(proxy) = self.proxy {
            proxy.stop().await?;
        }
        Ok(())
    }
}

fn route(weight: u32, url: Uri, addr: SocketAddr) -> Route {
    Route {
        weight,
        url,
        client_port: addr.port(),
        server_port: addr.port(),
        via: Some(addr),
        unix: None,
    }
}

/// A route over the Unix domain socket at `path`: no address, no port.
fn unix_route(weight: u32, url: Uri, path: &Path) -> Route {
    Route {
        weight,
        url,
        client_port: 0,
        server_port: 0,
        via: None,
        unix: Some(Arc::from(path)),
    }
}

/// The user's servers' routes: the target's, or one per authority, each
/// resolved once (DNS is not what the run measures).
async fn external_routes(scenario: &Scenario) -> anyhow::Result<Vec<Route>> {
    let targets: Vec<(u32, &Target, String)> = match scenario.authorities.is_empty() {
        true => vec![(1, &scenario.target, "target.url".into())],
        false => scenario
            .authorities
            .iter()
            .map(|a| (a.weight, &a.target, format!("authority.{}.url", a.name)))
            .collect(),
    };
    let mut routes = Vec::new();
    for (weight, target, key) in targets {
        let Target::External { url, unix, .. } = target else {
            anyhow::bail!("{key}: not a URL of your own server");
        };
        if let Some(path) = unix.as_deref() {
            routes.push(unix_route(weight, url.clone(), path));
            continue;
        }
        let addr = resolve(url).await.map_err(|e| {
            let host = url.host().unwrap_or_default();
            scenario
                .error_at(&key, format!("cannot resolve {host}: {e}"))
                .help("check the host name, or give an IP address")
        })?;
        routes.push(route(weight, url.clone(), addr));
    }
    Ok(routes)
}

/// The bundled server's routes over `transport`: one per authority.
fn bundled_routes(
    scenario: &Scenario,
    server: &ServerChild,
    transport: Transport,
) -> anyhow::Result<Vec<Route>> {
    let weights: Vec<u32> = match scenario.authorities.is_empty() {
        true => vec![1],
        false => scenario.authorities.iter().map(|a| a.weight).collect(),
    };
    let names: Vec<&str> = scenario
        .authorities
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    weights
        .into_iter()
        .zip(&server.authorities)
        .enumerate()
        .map(|(i, (weight, (http, https)))| {
            let addr = match transport {
                Transport::Http => *http,
                Transport::Https => {
                    https.context("the bundled server did not open an HTTPS port")?
                }
                Transport::Unix => {
                    let path = server
                        .unix
                        .get(i)
                        .context("the bundled server opened no Unix socket")?;
                    // The Host each authority's requests name: its own.
                    let host = names.get(i).copied().unwrap_or("localhost");
                    return Ok(unix_route(weight, format!("http://{host}/").parse()?, path));
                }
            };
            let url = format!("{}://{addr}/", transport.name()).parse()?;
            Ok(route(weight, url, addr))
        })
        .collect()
}

/// Starts poolbench's forward proxy if the scenario asks for it; the
/// address of the proxy to dial (its, or yours), if any.
async fn start_proxy(
    scenario: &Scenario,
    exe: &Path,
) -> anyhow::Result<(Option<ProxyChild>, Option<SocketAddr>)> {
    match &scenario.proxy {
        None => Ok((None, None)),
        Some(ProxySpec::Bundled) => {
            let proxy = ProxyChild::start(exe).await?;
            let addr = proxy.addr;
            Ok((Some(proxy), Some(addr)))
        }
        Some(ProxySpec::At(url)) => {
            let addr = resolve(url).await.map_err(|e| {
                scenario
                    .error_at("proxy.url", format!("cannot resolve the proxy: {e}"))
                    .help("check the host name, or give an IP address")
            })?;
            Ok((None, Some(addr)))
        }
    }
}

/// Starts the link emulator in front of every route, if the scenario has a
/// link, and points the routes at it; without one, routes dial the server.
async fn start_link(
    scenario: &Scenario,
    exe: &Path,
    endpoints: &mut [Endpoint],
) -> anyhow::Result<Option<(ChildProcess, LinkConfig)>> {
    let routes = || endpoints.iter().flat_map(|e| &e.routes);
    let Some(config) = scenario.link else {
        // Without a link, a route dials its server (or the proxy) itself.
        if scenario.proxy.is_none() {
            let routes = endpoints.iter_mut().flat_map(|e| e.routes.iter_mut());
            routes.for_each(|r| r.via = None);
        }
        return Ok(None);
    };
    let setup = crate::link::LinkSetup {
        config,
        upstreams: routes().filter_map(|r| r.via).collect(),
        host: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
    };
    let child = ChildProcess::start("the link emulator", exe, "link", &setup).await?;
    let routes = endpoints.iter_mut().flat_map(|e| e.routes.iter_mut());
    for (route, addr) in routes.zip(&child.addrs) {
        route.via = Some(*addr);
        route.client_port = addr.port();
    }
    Ok(Some((child, config)))
}

//! The helper processes' commands — `poolbench serve`, `link` and
//! `proxy` — standalone, or as a child of `poolbench run` (`--control
//! stdio`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{Control, LinkArgs, ProxyArgs, ServeArgs};
use crate::link::{LinkConfig, LinkSetup};
use crate::server::{self, ServeSetup, ServeTls, ServerConfig};
use crate::tls::TlsSettings;

pub(super) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.control == Control::Stdio {
        server::run_child()?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.body_size > ServerConfig::MAX_BODY {
        anyhow::bail!(
            "--body-size {} is more than the bundled server can send ({} bytes, 16 MiB)",
            args.body_size,
            ServerConfig::MAX_BODY
        );
    }
    if args.threads.is_some_and(|t| t == 0 || t > 1024) {
        anyhow::bail!("--threads must be from 1 to 1024");
    }
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(ServeTls {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
            port: args.tls_port,
            settings: TlsSettings {
                version: args.tls_version,
                resumption: !args.no_tls_resumption,
                ..TlsSettings::default()
            },
        }),
        _ => None,
    };
    server::run(ServeSetup {
        authorities: Vec::new(),
        config: ServerConfig {
            think_time: args.think_time,
            body_size: args.body_size,
            keep_alive_timeout: args.keep_alive_timeout,
            max_requests_per_connection: args.max_requests_per_connection,
            threads: args.threads.unwrap_or(ServerConfig::default().threads),
            reset_every: args.reset_every,
            slow_body: args.slow_body,
            body_overrun: args.body_overrun,
            stale_reuse: args.stale_reuse,
            max_connections: args.max_connections,
            over_capacity: args.over_capacity,
            max_concurrent_streams: args.max_concurrent_streams,
        },
        host: args.host,
        port: args.port,
        tls,
        unix: args.unix.into_iter().collect(),
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn link(args: LinkArgs) -> anyhow::Result<ExitCode> {
    if args.control == Control::Stdio {
        crate::link::run_child()?;
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(rtt), false) = (args.rtt, args.upstream.is_empty()) else {
        anyhow::bail!("give --upstream ADDR and --rtt, e.g. --upstream 127.0.0.1:8080 --rtt 10ms");
    };
    crate::link::run(LinkSetup {
        config: LinkConfig {
            rtt,
            bandwidth: args.bandwidth,
        },
        upstreams: args.upstream,
        host: args.host,
        port: args.port,
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn proxy(args: ProxyArgs) -> anyhow::Result<ExitCode> {
    match args.control {
        Control::Stdio => crate::proxy::run_child()?,
        Control::None => crate::proxy::run(crate::proxy::ProxySetup {
            host: args.host,
            port: args.port,
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

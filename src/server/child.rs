//! The runner's side of the bundled server: `poolbench serve` as a child
//! process (see [`crate::child`]) and its counters.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use super::{ServerConfig, ServerSnapshot};
use crate::child::ChildProcess;

/// A running server child.
pub struct ServerChild {
    process: ChildProcess,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServerChild {
    /// Starts `exe serve` on 127.0.0.1, port 0, and waits for its address.
    pub async fn start(exe: &Path, config: &ServerConfig) -> anyhow::Result<ServerChild> {
        let process = ChildProcess::start("the bundled server", exe, serve_args(config)).await?;
        Ok(ServerChild {
            addr: process.addr,
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
    ];
    let mut args = vec!["serve".to_string()];
    for (flag, value) in flags {
        args.push(flag.to_string());
        args.push(value);
    }
    args
}

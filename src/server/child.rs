//! The runner's side of the bundled server: starts `poolbench serve` as a
//! child process, reads its address, asks it for counters, and makes sure it
//! dies with the run (also on error: the child is killed when dropped, and
//! exits by itself when its stdin closes).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::control::{Hello, parse_snapshot};
use super::{ServerConfig, ServerSnapshot};

/// How long the child may take to answer a control command.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server child.
pub struct ServerChild {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServerChild {
    /// Starts `exe serve` on 127.0.0.1, port 0, and waits for its address.
    pub async fn start(exe: &Path, config: &ServerConfig) -> anyhow::Result<ServerChild> {
        let mut child = Command::new(exe)
            .args(serve_args(config))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start the bundled server {}", exe.display()))?;
        let stdin = child.stdin.take().context("server child has no stdin")?;
        let stdout = child.stdout.take().context("server child has no stdout")?;
        let mut stdout = BufReader::new(stdout).lines();
        let first = read_line(&mut stdout)
            .await
            .context("the bundled server did not start")?;
        let hello: Hello = serde_json::from_str(&first)
            .with_context(|| format!("unexpected first line from the bundled server: {first:?}"))?;
        Ok(ServerChild {
            child,
            stdin,
            stdout,
            addr: hello.listening,
        })
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Starts a new peak window and returns the counters.
    pub async fn begin(&mut self) -> anyhow::Result<ServerSnapshot> {
        self.command("begin").await
    }

    /// The counters now.
    pub async fn stats(&mut self) -> anyhow::Result<ServerSnapshot> {
        self.command("stats").await
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
    pub async fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin);
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }

    async fn command(&mut self, command: &str) -> anyhow::Result<ServerSnapshot> {
        self.stdin.write_all(command.as_bytes()).await?;
        self.stdin.write_all(b"\n").await?;
        self.stdin.flush().await?;
        let line = read_line(&mut self.stdout).await?;
        parse_snapshot(&line)
            .with_context(|| format!("bad reply from the bundled server: {line:?}"))
    }
}

async fn read_line(lines: &mut Lines<BufReader<ChildStdout>>) -> anyhow::Result<String> {
    match tokio::time::timeout(REPLY_TIMEOUT, lines.next_line()).await {
        Ok(Ok(Some(line))) => Ok(line),
        Ok(Ok(None)) => bail!("the bundled server exited"),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => bail!("the bundled server did not answer within {REPLY_TIMEOUT:?}"),
    }
}

/// The `poolbench serve` arguments that reproduce `config`.
fn serve_args(config: &ServerConfig) -> Vec<String> {
    vec![
        "serve".into(),
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        "0".into(),
        "--control".into(),
        "stdio".into(),
        "--think-time".into(),
        humantime::format_duration(config.think_time).to_string(),
        "--body-size".into(),
        config.body_size.to_string(),
        "--keep-alive-timeout".into(),
        humantime::format_duration(config.keep_alive_timeout).to_string(),
        "--max-requests-per-connection".into(),
        config.max_requests_per_connection.to_string(),
        "--threads".into(),
        config.threads.to_string(),
        "--reset-every".into(),
        config.reset_every.to_string(),
        "--slow-body".into(),
        humantime::format_duration(config.slow_body).to_string(),
    ]
}

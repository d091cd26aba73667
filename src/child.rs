//! Helper processes the runner starts from its own binary (the bundled
//! server, the link emulator), so their sockets, fds and CPU never mix with
//! the client's. A child reads its whole setup as one JSON line on stdin
//! (no round trip through command-line flags), prints
//! `{"listening":["ADDR",…]}`, then answers one line per command line on
//! stdin; it exits when its stdin closes, and is killed if its handle is
//! dropped (also on the runner's error paths). It runs in its own process
//! group, so a Ctrl-C at the terminal reaches the runner alone, which then
//! stops the run in order.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long a child may take to start or to answer a command.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A child's first line: where it listens (the server: plain, then TLS;
/// the link: one address per upstream, in order).
#[derive(Debug, Serialize, Deserialize)]
pub struct Hello {
    pub listening: Vec<SocketAddr>,
}

/// A running helper process.
pub struct ChildProcess {
    /// What it is, for messages ("the bundled server").
    what: &'static str,
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Where it listens.
    pub addrs: Vec<SocketAddr>,
}

impl ChildProcess {
    /// Starts `exe command --control stdio`, hands it `setup`, and waits
    /// for its addresses.
    pub async fn start(
        what: &'static str,
        exe: &Path,
        command: &str,
        setup: &impl Serialize,
    ) -> anyhow::Result<ChildProcess> {
        let mut child = Command::new(exe)
            .args([command, "--control", "stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {what} ({})", exe.display()))?;
        let mut stdin = child.stdin.take().context("child has no stdin")?;
        let setup = serde_json::to_string(setup)?;
        stdin.write_all(setup.as_bytes()).await?;
        stdin.write_all(b"\n").await?;
        stdin.flush().await?;
        let stdout = child.stdout.take().context("child has no stdout")?;
        let mut stdout = BufReader::new(stdout).lines();
        let first = read_line(what, &mut stdout)
            .await
            .with_context(|| format!("{what} did not start"))?;
        let hello: Hello = serde_json::from_str(&first)
            .ok()
            .filter(|h: &Hello| !h.listening.is_empty())
            .with_context(|| format!("unexpected first line from {what}: {first:?}"))?;
        Ok(ChildProcess {
            what,
            child,
            stdin,
            stdout,
            addrs: hello.listening,
        })
    }

    /// The child's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Sends one command line and returns the reply line.
    pub async fn command(&mut self, command: &str) -> anyhow::Result<String> {
        self.stdin.write_all(command.as_bytes()).await?;
        self.stdin.write_all(b"\n").await?;
        self.stdin.flush().await?;
        read_line(self.what, &mut self.stdout).await
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
}

async fn read_line(
    what: &str,
    lines: &mut Lines<BufReader<ChildStdout>>,
) -> anyhow::Result<String> {
    match tokio::time::timeout(REPLY_TIMEOUT, lines.next_line()).await {
        Ok(Ok(Some(line))) => Ok(line),
        Ok(Ok(None)) => bail!("{what} exited"),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => bail!("{what} did not answer within {REPLY_TIMEOUT:?}"),
    }
}

/// The child's side of the control channel.
pub struct Control {
    lines: Lines<BufReader<tokio::io::Stdin>>,
}

impl Control {
    /// Reads the setup the runner sent as the first line.
    pub async fn open<T: DeserializeOwned>() -> anyhow::Result<(Control, T)> {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        let line = lines
            .next_line()
            .await?
            .context("the control channel closed before the setup came")?;
        let setup = serde_json::from_str(&line).context("a malformed setup line")?;
        Ok((Control { lines }, setup))
    }

    /// Prints the hello line, then answers each command line with
    /// `answer(line)` until stdin closes.
    pub async fn serve(
        mut self,
        listening: Vec<SocketAddr>,
        answer: impl FnMut(&str) -> Option<String>,
    ) -> anyhow::Result<()> {
        serve_lines(&mut self.lines, listening, answer).await
    }
}

async fn serve_lines(
    lines: &mut Lines<BufReader<tokio::io::Stdin>>,
    listening: Vec<SocketAddr>,
    mut answer: impl FnMut(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let mut out = tokio::io::stdout();
    let hello = serde_json::to_string(&Hello { listening })?;
    write_line(&mut out, &hello).await?;
    while let Some(line) = lines.next_line().await? {
        match answer(line.trim()) {
            Some(reply) => write_line(&mut out, &reply).await?,
            None => eprintln!("poolbench: unknown control command {line:?}"),
        }
    }
    Ok(())
}

async fn write_line(out: &mut tokio::io::Stdout, line: &str) -> anyhow::Result<()> {
    out.write_all(line.as_bytes()).await?;
    out.write_all(b"\n").await?;
    out.flush().await?;
    Ok(())
}

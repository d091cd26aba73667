//! The control channel between `poolbench run` and its server child:
//! newline-delimited JSON over the child's stdin and stdout. It opens no
//! socket, so it never shows up in either side's connection or fd counts.
//!
//! The child first prints `{"listening":"127.0.0.1:PORT"}`, then answers
//! each command line with one [`ServerSnapshot`] line:
//!
//! - `stats`: the counters now;
//! - `begin`: start a new peak window (peak = open now), then the counters.
//!
//! End of input stops the server.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::{ServerCounters, ServerSnapshot};

/// The child's first line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Hello {
    pub listening: SocketAddr,
}

/// Serves control commands on stdin/stdout until stdin closes.
pub async fn run_stdio(addr: SocketAddr, counters: Arc<ServerCounters>) -> anyhow::Result<()> {
    let mut out = tokio::io::stdout();
    write_line(&mut out, &Hello { listening: addr }).await?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        match line.trim() {
            "begin" => {
                counters.reset_peak();
                write_line(&mut out, &counters.snapshot()).await?;
            }
            "stats" => write_line(&mut out, &counters.snapshot()).await?,
            other => eprintln!("poolbench serve: unknown control command {other:?}"),
        }
    }
    Ok(())
}

async fn write_line<T: Serialize>(out: &mut tokio::io::Stdout, value: &T) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    out.write_all(&line).await?;
    out.flush().await?;
    Ok(())
}

/// Parses a snapshot line from the child.
pub fn parse_snapshot(line: &str) -> anyhow::Result<ServerSnapshot> {
    Ok(serde_json::from_str(line)?)
}

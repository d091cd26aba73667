//! Stopping a run early. The first Ctrl-C (SIGINT) or SIGTERM raises the
//! [`Interrupt`]: the load stops (no new request is issued; requests in
//! flight finish or time out), the mode in progress is measured to its end,
//! no further mode starts, and the report is written, marked partial. The
//! command line then exits 130 or 143. A second signal exits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// Shared by everything that must notice a stop request.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicI32>);

impl Interrupt {
    /// Asks the run to stop, because of `signal` (its number).
    pub fn raise(&self, signal: i32) {
        let _ = self
            .0
            .compare_exchange(0, signal, Ordering::AcqRel, Ordering::Acquire);
    }

    /// The signal that asked the run to stop, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            n => Some(n),
        }
    }

    pub fn is_raised(&self) -> bool {
        self.signal().is_some()
    }

    /// Raises this interrupt on the first SIGINT or SIGTERM, and exits the
    /// process at once on the second. Needs a tokio runtime.
    pub fn on_signals(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let interrupt = self.clone();
        tokio::spawn(async move {
            loop {
                let number = tokio::select! {
                    _ = int.recv() => libc::SIGINT,
                    _ = term.recv() => libc::SIGTERM,
                };
                if interrupt.is_raised() {
                    eprintln!("poolbench: stopped at once, no report");
                    std::process::exit(128 + number);
                }
                interrupt.raise(number);
                eprintln!(
                    "poolbench: {}: stopping the load; the mode in progress finishes its \
                     figures and a partial report is written (again to quit at once)",
                    name(number)
                );
            }
        });
        Ok(())
    }
}

/// "SIGINT (Ctrl-C)", "SIGTERM", …
pub fn name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT (Ctrl-C)".to_string(),
        libc::SIGTERM => "SIGTERM".to_string(),
        n => format!("signal {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_is_kept() {
        let i = Interrupt::default();
        assert_eq!(i.signal(), None);
        i.raise(libc::SIGTERM);
        i.raise(libc::SIGINT);
        assert_eq!(i.clone().signal(), Some(libc::SIGTERM));
    }
}

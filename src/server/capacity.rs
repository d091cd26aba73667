//! A connection cap on the bundled server, so "a limit too high overwhelms
//! the server" can be seen: past `max_connections` open connections the
//! server refuses the next one (a TCP reset right after accepting it),
//! answers its requests with 503 and `Connection: close` (as nginx's
//! `limit_conn` does), or stops accepting until one closes, so new
//! connections queue in the kernel's accept backlog.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ServerCounters;

/// What the server does with a connection over its cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverCapacity {
    /// Accept it, then reset it at once.
    Refuse,
    /// Serve it, answering every request with 503 and `Connection: close`.
    #[default]
    Unavailable,
    /// Do not accept it until a connection closes: it waits in the backlog.
    Queue,
}

impl OverCapacity {
    pub const NAMES: [&str; 3] = ["refuse", "503", "queue"];

    pub fn name(self) -> &'static str {
        match self {
            OverCapacity::Refuse => "refuse",
            OverCapacity::Unavailable => "503",
            OverCapacity::Queue => "queue",
        }
    }

    pub fn from_name(name: &str) -> Option<OverCapacity> {
        [
            OverCapacity::Refuse,
            OverCapacity::Unavailable,
            OverCapacity::Queue,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }
}

/// The answer to every request on a connection over the cap.
pub fn unavailable() -> axum::response::Response {
    use axum::response::IntoResponse;
    (http::StatusCode::SERVICE_UNAVAILABLE, "over capacity\n").into_response()
}

/// The cap as the accept loop applies it.
pub struct Capacity {
    max: u64,
    over: OverCapacity,
    /// `queue`: one permit per connection the server may hold.
    permits: Option<Arc<Semaphore>>,
}

/// What happens to one accepted connection.
pub enum Admission {
    /// Serve it; the permit (when queueing) is held until it closes.
    Serve(Option<OwnedSemaphorePermit>),
    /// Over the cap: reset it.
    Refuse,
    /// Over the cap: answer with 503.
    Unavailable,
}

impl Capacity {
    /// `max` = 0: no cap.
    pub fn new(max: u64, over: OverCapacity) -> Capacity {
        let permits = (max > 0 && over == OverCapacity::Queue).then(|| {
            let n = usize::try_from(max).unwrap_or(Semaphore::MAX_PERMITS);
            Arc::new(Semaphore::new(n.min(Semaphore::MAX_PERMITS)))
        });
        Capacity { max, over, permits }
    }

    /// Waits, when queueing, until the server may hold one more connection.
    pub async fn room(&self) -> Option<OwnedSemaphorePermit> {
        let permits = self.permits.as_ref()?;
        Arc::clone(permits).acquire_owned().await.ok()
    }

    /// Decides on a connection just accepted (and counted as open).
    pub fn admit(
        &self,
        permit: Option<OwnedSemaphorePermit>,
        counters: &ServerCounters,
    ) -> Admission {
        let open = counters.connections.read().open;
        if self.max == 0 || self.over == OverCapacity::Queue || open <= self.max {
            return Admission::Serve(permit);
        }
        match self.over {
            OverCapacity::Refuse => Admission::Refuse,
            _ => Admission::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn names_round_trip() {
        for name in OverCapacity::NAMES {
            assert_eq!(OverCapacity::from_name(name).map(|o| o.name()), Some(name));
        }
        assert_eq!(OverCapacity::from_name("drop"), None);
    }

    #[test]
    fn over_the_cap_is_refused_or_unavailable_and_never_when_uncapped() {
        let counters = ServerCounters::default();
        let _open: Vec<_> = (0..3).map(|_| counters.accept()).collect();
        let serve = |c: &Capacity| matches!(c.admit(None, &counters), Admission::Serve(_));
        assert!(serve(&Capacity::new(0, OverCapacity::Refuse)));
        assert!(serve(&Capacity::new(3, OverCapacity::Refuse)));
        let refuse = Capacity::new(2, OverCapacity::Refuse);
        assert!(matches!(refuse.admit(None, &counters), Admission::Refuse));
        let unavailable = Capacity::new(2, OverCapacity::Unavailable);
        assert!(matches!(
            unavailable.admit(None, &counters),
            Admission::Unavailable
        ));
    }

    #[tokio::test]
    async fn queueing_waits_for_a_connection_to_close() {
        let capacity = Capacity::new(1, OverCapacity::Queue);
        let first = capacity.room().await;
        assert!(first.is_some());
        let second = capacity.room();
        tokio::pin!(second);
        assert!(
            second.as_mut().now_or_never().is_none(),
            "no room while one is held"
        );
        drop(first);
        assert!(second.await.is_some());
    }
}

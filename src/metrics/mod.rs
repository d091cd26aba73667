//! Measurement: per-task latency recording, failures by kind, and what the
//! OS observes (CPU, fds, sockets and TIME_WAIT).

pub mod closing;
pub mod errors;
pub mod gauge;
pub mod histogram;
pub mod load_threads;
pub mod os;
pub mod recorder;
pub mod sampler;
pub mod sockets;
pub mod statuses;
pub mod time_wait;
pub mod timeline;

pub use errors::{Classified, ErrorCounts, ErrorKind, H2Said};
pub use gauge::{ConnectionGauge, GaugeReading, OpenGuard};
pub use recorder::{Live, Recorder};
pub use sampler::{Sampler, Samples, Sources};
pub use timeline::{Phase, PhaseRecorder, Timeline};

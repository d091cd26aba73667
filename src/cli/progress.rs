//! A run's live progress on a terminal: for each mode's measured phase a
//! bar — requests done of the total (or time gone of the duration), the
//! requests per second of the last second, errors so far and the time
//! left — redrawn ten times a second and left as one line when the mode
//! ends. Only on a terminal: in a pipe or a CI log the runner prints one
//! plain line per mode instead.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::Live;
use crate::engine::Stop;
use crate::runner::{Measuring, Watch};

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// The bars, one mode at a time.
#[derive(Debug, Default)]
pub struct Bars {
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: JoinHandle<()>,
}

impl Watch for Bars {
    fn begin(&self, what: &Measuring, live: Arc<Live>) {
        eprintln!("poolbench: {}", crate::redact::shown(&what.describe()));
        let (len, template) = match what.stop {
            Stop::Requests(n) => (n, "{prefix} {pos}/{len}, {msg}, {eta} left [{wide_bar}]"),
            Stop::Duration(d) => (
                d.as_millis() as u64,
                "{prefix} {elapsed} of {len_s}, {msg} [{wide_bar}]",
            ),
        };
        let template = template.replace("{len_s}", &format!("{}s", len / 1000));
        let style = ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(what.label.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, stop) = (bar.clone(), Arc::clone(&stop));
            let by_time = matches!(what.stop, Stop::Duration(_));
            std::thread::spawn(move || tick(&bar, &live, &stop, by_time))
        };
        if let Ok(mut running) = self.running.lock() {
            *running = Some(Running { bar, stop, ticker });
        }
    }

    fn end(&self) {
        let running = self.running.lock().ok().and_then(|mut r| r.take());
        if let Some(r) = running {
            r.stop.store(true, Relaxed);
            let _ = r.ticker.join();
            r.bar.finish();
        }
    }
}

/// Moves the bar until told to stop: position, rate over the last second
/// and errors.
fn tick(bar: &ProgressBar, live: &Live, stop: &AtomicBool, by_time: bool) {
    let start = Instant::now();
    let mut window: std::collections::VecDeque<(Instant, u64)> = Default::default();
    loop {
        let now = Instant::now();
        let done = live.completed.load(Relaxed);
        let failed = live.failed.load(Relaxed);
        window.push_back((now, done));
        while window
            .front()
            .is_some_and(|(t, _)| now - *t > Duration::from_secs(1))
        {
            window.pop_front();
        }
        let rate = match window.front() {
            Some((t, d)) if now > *t => (done - d) as f64 / (now - *t).as_secs_f64(),
            _ => 0.0,
        };
        bar.set_position(match by_time {
            true => (now - start).as_millis() as u64,
            false => done,
        });
        let errors = match failed {
            0 => "no errors".to_string(),
            1 => "1 error".to_string(),
            n => format!("{n} errors"),
        };
        bar.set_message(format!("{rate:.0} req/s, {errors}"));
        if stop.load(Relaxed) {
            let took = (now - start).as_secs_f64();
            let mean = done as f64 / took.max(1e-9);
            bar.set_message(format!("{mean:.0} req/s over {took:.1} s, {errors}"));
            return;
        }
        std::thread::sleep(TICK);
    }
}

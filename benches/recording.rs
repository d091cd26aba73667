//! What measuring costs on the request path: recording a latency and its
//! phases into a task's recorder, and counting a connection open and closed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group};
use poolbench::metrics::{ConnectionGauge, Recorder, Timeline};

fn recording(c: &mut Criterion) {
    let mut group = c.benchmark_group("recording");
    group.bench_function("latency", |b| {
        let mut recorder = Recorder::new();
        let mut us = 100u64;
        b.iter(|| {
            us = us * 7 % 100_000 + 1; // spread over the histogram
            recorder.success(Duration::from_micros(us));
        });
    });
    group.bench_function("latency_and_phases", |b| {
        let mut recorder = Recorder::new();
        let t0 = Instant::now();
        let timeline = Timeline {
            acquired: Some(t0 + Duration::from_micros(3)),
            head: Some(t0 + Duration::from_micros(90)),
            ..Timeline::default()
        };
        let end = t0 + Duration::from_micros(100);
        b.iter(|| {
            recorder.success(end - t0);
            recorder.phases.record(&timeline.phases(t0, t0, end));
        });
    });
    group.bench_function("merge_per_task_recorders", |b| {
        b.iter_batched(
            || {
                (0..50)
                    .map(|i| {
                        let mut r = Recorder::new();
                        for us in 0..1000u64 {
                            r.success(Duration::from_micros(us * (i + 1) + 1));
                        }
                        r
                    })
                    .collect::<Vec<_>>()
            },
            |recorders| {
                let mut total = Recorder::new();
                for r in &recorders {
                    total.merge(r);
                }
                total
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    let mut group = c.benchmark_group("connection_counter");
    group.bench_function("open_and_close", |b| {
        let gauge = Arc::new(ConnectionGauge::default());
        b.iter(|| drop(gauge.open()));
    });
    group.bench_function("open_and_close_2_threads_contending", |b| {
        let gauge = Arc::new(ConnectionGauge::default());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let other = {
            let (gauge, stop) = (Arc::clone(&gauge), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    drop(gauge.open());
                }
            })
        };
        b.iter(|| drop(gauge.open()));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = other.join();
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = recording
}

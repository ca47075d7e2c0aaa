//! Threads: each worker bumps its own frame arena, pool objects made on one thread are
//! freed on another (the block goes back to its owner without a lock), and frame data
//! crosses threads through a `TransferHandle`.
//!
//! Run with `cargo run --example 04_threading`.

use std::sync::mpsc;

use framealloc::{PoolBox, SmartAlloc, TransferHandle};

#[derive(Debug)]
struct Job {
    id: u32,
    payload: [u64; 4],
}

const WORKERS: u32 = 2;
const FRAMES: u32 = 60;

fn main() {
    let alloc = SmartAlloc::new(Default::default());

    // Workers: per-frame scratch in their own frame arenas; results leave frame memory
    // through TransferHandles; pool jobs arrive from the main thread and die here.
    let (result_tx, result_rx) = mpsc::channel::<(u32, TransferHandle<Vec<u64>>)>();
    let mut job_txs = Vec::new();
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (job_tx, job_rx) = mpsc::channel::<Vec<PoolBox<Job>>>();
        job_txs.push(job_tx);
        let alloc = alloc.clone();
        let result_tx = result_tx.clone();
        workers.push(std::thread::spawn(move || {
            let mut jobs_done = 0u64;
            while let Ok(jobs) = job_rx.recv() {
                alloc.begin_frame();
                let mut sums = alloc.frame_vec::<u64>();
                for job in &jobs {
                    sums.push(job.payload.iter().sum::<u64>() + u64::from(job.id));
                }
                jobs_done += jobs.len() as u64;
                drop(jobs); // pool blocks made on the main thread, freed here
                let handle = alloc.frame_box_for_transfer(sums);
                result_tx.send((w, handle)).expect("main thread gone");
                alloc.end_frame();
            }
            (jobs_done, alloc.frame_number())
        }));
    }
    drop(result_tx);

    // Main thread: a frame per tick; pool-allocated jobs go out to the workers.
    let mut next_id = 0;
    for frame in 0..FRAMES {
        let guard = alloc.frame();
        let scratch = guard.alloc_slice_fill_with(64, |i| i as u64 * u64::from(frame));
        let base: u64 = scratch.iter().sum();
        for tx in &job_txs {
            let jobs: Vec<PoolBox<Job>> = (0..100)
                .map(|_| {
                    next_id += 1;
                    alloc.pool_box(Job {
                        id: next_id,
                        payload: [base; 4],
                    })
                })
                .collect();
            tx.send(jobs).expect("worker gone");
        }
    }
    drop(job_txs);

    let mut per_worker = vec![0u64; WORKERS as usize];
    let mut checksum = 0u64;
    for (w, handle) in result_rx {
        let sums = handle.receive();
        per_worker[w as usize] += sums.len() as u64;
        checksum = checksum.wrapping_add(sums.iter().sum::<u64>());
    }
    for (w, worker) in workers.into_iter().enumerate() {
        let (jobs, frames) = worker.join().expect("worker panicked");
        println!(
            "worker {w}: {frames} frames, {jobs} pool jobs freed here, {} results sent back",
            per_worker[w]
        );
    }
    println!(
        "main: {} frames; checksum {checksum}; abandoned pool pages after the workers exited: {}",
        alloc.frame_number(),
        alloc.abandoned_pool_pages()
    );
}

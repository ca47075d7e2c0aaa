//! A thousand request-like tasks on a multi-thread tokio runtime, each owning a
//! `TaskFrame` (feature `tokio`): the request is read into the task frame, parsed into
//! task-frame slices that live across `.await`s (the task may resume on another worker),
//! and the response is built there too. Each endpoint's tasks are spawned under the
//! endpoint's tag, so `stats()` shows frame bytes per endpoint; the "database" step runs
//! under its own tag with `tag_future`. Prints a short summary.
//!
//! Run with `cargo run -p framealloc-examples --features tokio --example tokio_tasks`.

use std::collections::HashSet;
use std::time::Duration;

use framealloc::tokio::spawn_with_frame;
use framealloc::{Kind, SmartAlloc, TaskFrame, TaskVec};
use tokio::time::sleep;

const TASKS: usize = 1000;

/// Endpoints: tag, request line prefix.
const ENDPOINTS: [(&str, &str); 4] = [
    ("items", "GET /items/"),
    ("orders", "POST /orders"),
    ("search", "GET /search?q="),
    ("health", "GET /health"),
];

/// What a task reports back.
struct Served {
    endpoint: usize,
    status: u16,
    response_bytes: usize,
    frame_peak: usize,
    migrated: bool,
}

/// The raw request of request number `n` (what a socket read would deliver).
fn request_for(n: usize) -> (usize, String) {
    let endpoint = n % ENDPOINTS.len();
    let target = match endpoint {
        0 => format!("{}{}", ENDPOINTS[0].1, n * 7 % 500),
        2 => format!("{}frame+arena+{n}", ENDPOINTS[2].1),
        _ => ENDPOINTS[endpoint].1.to_string(),
    };
    let body = if endpoint == 1 {
        format!("{{\"item\":{},\"qty\":{}}}", n % 500, n % 9 + 1)
    } else {
        String::new()
    };
    let raw = format!(
        "{target} HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: bench/{n}\r\nAccept: */*\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    (endpoint, raw)
}

/// Append the decimal digits of `n`.
fn push_number(out: &mut TaskVec<'_, u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A pretend database lookup: waits, then reads a row (a pool allocation, accounted to
/// the tag its future runs under).
async fn lookup(alloc: SmartAlloc, id: u64) -> (u64, u64) {
    sleep(Duration::from_micros(50 + id % 100)).await;
    let row = alloc.pool_box([id, id * 3 % 97 + 1]);
    (row[0], row[1])
}

/// One request: read, parse, (maybe) query, respond — all in the task frame.
async fn handle(frame: TaskFrame, alloc: SmartAlloc, endpoint: usize, raw: String) -> Served {
    let first_worker = std::thread::current().id();
    // "Read" the request into the task frame; the bytes live across the next await.
    let request: &str = frame.alloc_str(&raw);
    drop(raw);
    sleep(Duration::from_micros(20)).await;

    // Parse: request line, headers (task-frame slices of the task-frame request), body.
    let (head, body) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let headers = {
        let mut headers = frame.task_vec::<(&str, &str)>();
        headers.extend(lines.filter_map(|l| l.split_once(": ")));
        headers.into_slice() // frozen: no arena reference, may cross the await
    };
    let target = request_line.split(' ').nth(1).unwrap_or("/");

    let (status, payload) = match endpoint {
        0 => {
            let id = target
                .rsplit('/')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let (id, price) = alloc.tag_future("db", lookup(alloc.clone(), id)).await;
            (200, [id, price])
        }
        1 => {
            let qty = body
                .rsplit(':')
                .next()
                .map_or(0, |q| q.trim_end_matches('}').len());
            sleep(Duration::from_micros(80)).await;
            (201, [qty as u64, body.len() as u64])
        }
        2 => {
            let words = target.split('+').count() as u64;
            tokio::task::yield_now().await;
            (200, [words, target.len() as u64])
        }
        _ => (200, [0, 0]),
    };

    // Build the response in the task frame.
    let response = {
        let mut out = frame.task_vec::<u8>();
        out.extend_from_slice(b"HTTP/1.1 ");
        push_number(&mut out, u64::from(status));
        out.extend_from_slice(b"\r\nX-Request-Headers: ");
        push_number(&mut out, headers.len() as u64);
        out.extend_from_slice(b"\r\n\r\n{\"a\":");
        push_number(&mut out, payload[0]);
        out.extend_from_slice(b",\"b\":");
        push_number(&mut out, payload[1]);
        out.push(b'}');
        out.into_slice()
    };
    // "Write" it out.
    sleep(Duration::from_micros(20)).await;
    assert!(response.starts_with(b"HTTP/1.1 20"));
    Served {
        endpoint,
        status,
        response_bytes: response.len(),
        frame_peak: frame.peak_bytes(),
        migrated: std::thread::current().id() != first_worker,
    }
    // `frame` drops here: its arena goes back to the pool, reset.
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut handles = Vec::with_capacity(TASKS);
    for n in 0..TASKS {
        let (endpoint, raw) = request_for(n);
        let a = alloc.clone();
        // The router knows the endpoint from the request line: the task, its frame and
        // every poll of it are accounted to the endpoint's tag.
        handles.push(alloc.with_tag(ENDPOINTS[endpoint].0, |al| {
            spawn_with_frame(al, move |frame| handle(frame, a, endpoint, raw))
        }));
        if n % 50 == 49 {
            // Requests arrive over time (50 a millisecond here): the tasks of earlier
            // arrivals finish and their arenas are reused by later ones.
            sleep(Duration::from_millis(1)).await;
        }
    }
    let mut served = Vec::with_capacity(TASKS);
    for handle in handles {
        served.push(handle.await.expect("task panicked"));
    }

    println!("{TASKS} requests on 4 workers, one task frame each");
    let stats = alloc.stats();
    println!(
        "{:<8} {:>8} {:>7} {:>14} {:>16} {:>16}",
        "endpoint", "requests", "status", "response bytes", "frame bytes/req", "peak frame bytes"
    );
    for (e, (tag, _)) in ENDPOINTS.iter().enumerate() {
        let mine: Vec<&Served> = served.iter().filter(|s| s.endpoint == e).collect();
        let statuses: HashSet<u16> = mine.iter().map(|s| s.status).collect();
        let response_bytes: usize = mine.iter().map(|s| s.response_bytes).sum();
        let peak = mine.iter().map(|s| s.frame_peak).max().unwrap_or(0);
        // Task frames credit their bytes to the tag when they drop (`Kind::Frame`).
        let frame_bytes = stats
            .tag(tag)
            .map_or(0, |t| t.kind(Kind::Frame).allocated_bytes);
        println!(
            "{tag:<8} {:>8} {:>7} {response_bytes:>14} {:>16} {peak:>16}",
            mine.len(),
            statuses
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(","),
            frame_bytes / mine.len().max(1) as u64,
        );
    }
    let db = stats
        .tag("db")
        .map_or(0, |t| t.kind(Kind::Pool).allocations);
    println!("db lookups (pool rows under tag \"db\" via tag_future): {db}");
    let migrated = served.iter().filter(|s| s.migrated).count();
    println!("tasks that resumed on another worker with their frame: {migrated}");
    println!(
        "task-frame arenas: {} made for {TASKS} tasks (the peak alive at once), {} in use, {} idle",
        alloc.task_arenas_made(),
        alloc.task_arenas_in_use(),
        alloc.task_arenas_idle()
    );
    assert_eq!(served.len(), TASKS);
    assert_eq!(alloc.task_arenas_in_use(), 0);
}

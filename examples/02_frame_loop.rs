//! A miniature game loop: scoped frames for per-frame scratch, the explicit API for
//! code that cannot hold a guard, nested guards, worker threads with their own frames,
//! and the per-thread frame statistics that exist so far.
//!
//! Run with `cargo run --example 02_frame_loop`.

use framealloc::{Frame, FrameSafe, SmartAlloc};

#[derive(Debug, Default, Clone, Copy)]
struct Body {
    pos: [f32; 3],
    vel: [f32; 3],
}
// SAFETY: plain data, no destructor (the derive macro will prove this for you).
unsafe impl FrameSafe for Body {}

#[derive(Debug, Clone, Copy)]
struct Contact {
    a: usize,
    b: usize,
    depth: f32,
}
// SAFETY: plain data, no destructor.
unsafe impl FrameSafe for Contact {}

const BODIES: usize = 200;
const FRAMES: usize = 120;
const DT: f32 = 1.0 / 60.0;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut bodies: Vec<Body> = (0..BODIES)
        .map(|i| Body {
            pos: [i as f32 * 0.5, 10.0 + (i % 7) as f32, 0.0],
            vel: [0.0; 3],
        })
        .collect();

    let mut total_contacts = 0;
    for frame_index in 0..FRAMES {
        // Scoped: the guard is the frame; nothing allocated through it can outlive it.
        let frame = alloc.frame();
        let contacts = frame.with_tag("physics", |f| physics_step(f, &mut bodies));
        total_contacts += contacts;

        // A nested guard (e.g. a subsystem that opens its own frame) joins this one.
        let labels = alloc.with_tag("render", |a| render_labels(a, &bodies));

        // The explicit API works inside a guard too; handles count themselves live.
        let mut log_lines = alloc.frame_vec::<String>();
        if frame_index.is_multiple_of(30) {
            log_lines.push(format!(
                "frame {frame_index:>3}: {contacts:>3} contacts, first label is {labels} chars"
            ));
        }
        for line in &log_lines {
            println!("{line}");
        }
        // `frame` drops at the end of the iteration: the arena resets once `log_lines`
        // (dropped first, in reverse declaration order) is gone too.
    }

    // Explicit frames on worker threads: each thread bumps its own arena.
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let alloc = alloc.clone();
            std::thread::spawn(move || {
                let mut sum = 0u64;
                for _ in 0..50 {
                    alloc.begin_frame();
                    let mut jobs = alloc.frame_vec::<u64>();
                    jobs.extend((0..1000).map(|j| j * (w + 1)));
                    sum += jobs.iter().sum::<u64>();
                    alloc.end_frame();
                }
                (sum, alloc.frame_number())
            })
        })
        .collect();
    for (w, worker) in workers.into_iter().enumerate() {
        let (sum, frames) = worker.join().expect("worker panicked");
        println!("worker {w}: {frames} frames, checksum {sum}");
    }

    // Per-tag accounting, summed over every thread (the workers' frames are "untagged").
    print!("{}", alloc.stats());
    println!(
        "main thread: {} frames, {} resets, {} deferred, arena {} KiB, {} contacts total",
        alloc.frame_number(),
        alloc.frame_resets(),
        alloc.deferred_resets(),
        alloc.frame_capacity_bytes() / 1024,
        total_contacts,
    );
}

/// Integrate bodies and collect ground contacts in frame memory.
fn physics_step(frame: &Frame<'_>, bodies: &mut [Body]) -> usize {
    // Per-step scratch: a copy of the previous positions, bump-allocated.
    let previous: &mut [Body] = frame.alloc_slice_copy(bodies);
    let mut contacts = frame.frame_vec::<Contact>();
    for (i, body) in bodies.iter_mut().enumerate() {
        body.vel[1] -= 9.81 * DT;
        body.pos[1] += body.vel[1] * DT;
        if body.pos[1] < 0.0 {
            contacts.push(Contact {
                a: i,
                b: usize::MAX, // the ground
                depth: -body.pos[1],
            });
            body.pos[1] = 0.0;
            body.vel[1] = -body.vel[1] * 0.5;
        }
    }
    let moved = previous
        .iter()
        .zip(bodies.iter())
        .filter(|(p, b)| p.pos != b.pos)
        .count();
    debug_assert!(moved <= bodies.len());
    contacts
        .iter()
        .filter(|c| c.depth >= 0.0 && c.a != c.b)
        .count()
}

/// Build label strings in a nested frame and return the first one's length.
fn render_labels(alloc: &SmartAlloc, bodies: &[Body]) -> usize {
    let frame = alloc.frame(); // joins the caller's frame
    let mut labels = frame.frame_vec::<String>();
    for body in bodies.iter().take(3) {
        labels.push(format!("({:.1}, {:.1})", body.pos[0], body.pos[1]));
    }
    labels.first().map_or(0, String::len)
}

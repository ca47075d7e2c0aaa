//! A job system: each frame, rayon workers build per-entity results in herd memory
//! (`FrameHerd`, one `HerdMember` per worker batch), the main thread consumes them with no
//! copy, and a scratch scope holds the main thread's temporaries. Stats at the end.
//!
//! Run with `cargo run --example 08_job_system`.

use framealloc::{FrameSafe, Kind, SmartAlloc};
use rayon::prelude::*;

#[derive(Clone, Copy, FrameSafe)]
struct Entity {
    pos: [f32; 2],
    vel: [f32; 2],
}

/// What a worker computes for one entity: its next position and a threat score.
#[derive(Clone, Copy, FrameSafe)]
struct Plan {
    entity: u32,
    next: [f32; 2],
    threat: f32,
}

const ENTITIES: usize = 20_000;
const FRAMES: u32 = 30;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    let mut entities: Vec<Entity> = (0..ENTITIES)
        .map(|i| Entity {
            pos: [i as f32, (i % 100) as f32],
            vel: [1.0, -0.5],
        })
        .collect();
    let mut herd = alloc.herd_tagged("ai");
    let mut hottest = 0.0f32;

    for _frame in 0..FRAMES {
        let frame = alloc.frame();
        // Workers: one member per rayon batch; `&Plan` results live in herd memory.
        // `map_init` calls its init once per split of the work, and a worker may hold
        // several while it steals: `with_min_len` keeps the batches (members) few.
        let plans: Vec<&Plan> = entities
            .par_iter()
            .with_min_len(2048)
            .enumerate()
            .map_init(
                || herd.member(),
                |member, (i, e)| {
                    let next = [e.pos[0] + e.vel[0], e.pos[1] + e.vel[1]];
                    &*member.alloc(Plan {
                        entity: i as u32,
                        next,
                        threat: (next[0] * 0.01).sin().abs() + next[1] * 0.001,
                    })
                },
            )
            .collect();

        // Main thread: apply the plans; the five biggest threats sorted in a scratch scope.
        for plan in &plans {
            entities[plan.entity as usize].pos = plan.next;
        }
        let top = frame.scratch(|s| {
            let threats = s.alloc_slice_fill_with(plans.len(), |i| plans[i].threat);
            threats.sort_unstable_by(|a, b| b.total_cmp(a));
            threats[..5].iter().sum::<f32>()
        });
        hottest = hottest.max(top);
        drop(plans);
        drop(frame);
        herd.reset(); // the workers' arenas go back to the pool for the next frame
    }

    let stats = alloc.stats();
    println!("{FRAMES} frames x {ENTITIES} entities, top-5 threat sum peak {hottest:.3}");
    println!(
        "arenas made (peak members alive at once): {}",
        alloc.task_arenas_made()
    );
    if let Some(ai) = stats.tag("ai") {
        let frame = ai.kind(Kind::Frame);
        println!(
            "ai herd: {} bytes over {FRAMES} frames, largest member {} bytes",
            frame.allocated_bytes, frame.peak_bytes
        );
        assert!(frame.allocated_bytes >= u64::from(FRAMES) * (ENTITIES as u64) * 16);
    }
    assert!(entities[0].pos[0] > FRAMES as f32 - 1.0);
    println!("{stats}");
}

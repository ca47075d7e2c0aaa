//! A frame loop with scoped frames: each frame's scratch data (here, the ground contacts
//! of falling bodies) lives in frame memory, is gone when the frame's guard drops, and
//! the same arena memory is reused by the next frame, so the arena stops growing.
//!
//! Run with `cargo run --example 02_frame_loop`.

use framealloc::{Frame, FrameSafe, FrameVec, SmartAlloc};

#[derive(Debug, Default, Clone, Copy)]
struct Body {
    height: f32,
    speed: f32,
}

/// One ground contact found this frame. Plain data: the derive proves at compile time
/// that it has no destructor, so frame memory may hold it without bookkeeping.
#[derive(FrameSafe, Debug, Clone, Copy)]
struct Contact {
    body: usize,
    impact_speed: f32,
}

const BODIES: usize = 200;
const FRAMES: usize = 120;
const DT: f32 = 1.0 / 60.0;

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    // Bodies start between 0.1 m and 2 m up, so some land in every stretch of frames.
    let mut bodies: Vec<Body> = (0..BODIES)
        .map(|i| Body {
            height: 0.1 + (i % 20) as f32 * 0.1,
            speed: 0.0,
        })
        .collect();

    let (mut total, mut window) = (0, 0);
    let mut hardest = Contact {
        body: 0,
        impact_speed: 0.0,
    };
    for frame_index in 1..=FRAMES {
        let frame = alloc.frame(); // the frame begins
        let contacts = physics_step(&frame, &mut bodies);
        total += contacts.len();
        window += contacts.len();
        for c in &contacts {
            if c.impact_speed > hardest.impact_speed {
                hardest = *c;
            }
        }
        if frame_index % 20 == 0 {
            println!(
                "frames {:>3}-{frame_index:>3}: {window:>3} contacts (hardest: body {} at {:.2} m/s), \
                 frame arena {} KiB",
                frame_index - 19,
                hardest.body,
                hardest.impact_speed,
                alloc.frame_capacity_bytes() / 1024,
            );
            window = 0;
            hardest.impact_speed = 0.0;
        }
    } // each iteration: `contacts` and `frame` drop, the frame ends, its memory is reused

    println!(
        "{FRAMES} frames, {total} contacts in all, {} frame resets; every frame reused the \
         same {} KiB arena",
        alloc.frame_resets(),
        alloc.frame_capacity_bytes() / 1024
    );
}

/// Move the bodies and collect this frame's ground contacts in frame memory.
fn physics_step<'f>(frame: &'f Frame<'_>, bodies: &mut [Body]) -> FrameVec<'f, Contact> {
    let mut contacts = frame.frame_vec::<Contact>();
    for (i, body) in bodies.iter_mut().enumerate() {
        body.speed -= 9.81 * DT;
        body.height += body.speed * DT;
        if body.height <= 0.0 {
            contacts.push(Contact {
                body: i,
                impact_speed: -body.speed,
            });
            body.height = 0.0;
            body.speed = -body.speed * 0.8; // bounce, losing some energy
        }
    }
    contacts
}

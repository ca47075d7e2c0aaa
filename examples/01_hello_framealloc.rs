//! The guide's first program ("Your First Allocation"), bounded to 300 frames.
//!
//! Run with `cargo run --example 01_hello_framealloc`.

use framealloc::SmartAlloc;

const FRAMES: u64 = 300;

fn main() {
    // Create the allocator
    let alloc = SmartAlloc::new(Default::default());

    let mut checksum = 0.0f64;
    // Game loop (bounded so the example ends)
    for frame in 0..FRAMES {
        // Begin a new frame
        alloc.begin_frame();

        // Allocate some temporary data
        let mut scratch = alloc.frame_vec::<f32>();
        for i in 0..1000 {
            scratch.push(i as f32 * (frame as f32 + 1.0));
        }

        // Use the data
        checksum += process_data(&scratch, frame);

        // End frame - all frame allocations are freed!
        alloc.end_frame();
        // (`scratch` drops here, after end_frame: the reset waits for it.)
    }

    println!(
        "{FRAMES} frames done: checksum {checksum:.0}, frame arena holds {} KiB, \
         {} resets ({} deferred until the last handle dropped)",
        alloc.frame_capacity_bytes() / 1024,
        alloc.frame_resets(),
        alloc.deferred_resets(),
    );
}

fn process_data(data: &[f32], frame: u64) -> f64 {
    let sum: f64 = data.iter().map(|&x| f64::from(x)).sum();
    if frame.is_multiple_of(100) {
        println!(
            "frame {frame:>3}: processed {} values, sum {sum:.0}",
            data.len()
        );
    }
    sum
}

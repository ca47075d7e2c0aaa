// The legitimate shapes of task-frame use compile (no runtime: a `Send + 'static` spawn
// bound like tokio's, polled to completion here).
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use framealloc::{FixedTaskVec, SmartAlloc, TaskFrame};

fn spawn<F: Future + Send + 'static>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

// Synchronous helpers may take `&TaskFrame` and return data borrowing it.
fn parse<'f>(frame: &'f TaskFrame, raw: &str) -> &'f mut str {
    frame.alloc_str(raw.trim())
}

// Async helpers take `&mut TaskFrame` (a `&mut` of a `Send` type is `Send`).
async fn handle(frame: &mut TaskFrame, raw: &str) -> usize {
    let path = frame.alloc_str(raw);
    std::future::ready(()).await;
    path.len()
}

fn fill(frame: &TaskFrame) -> FixedTaskVec<'_, String> {
    let mut v = frame.fixed_vec(2);
    v.push("a".to_string()).unwrap();
    v
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());
    // Moved to a thread and dropped there.
    let mut frame = alloc.task_frame_tagged("net");
    let n = std::thread::spawn(move || {
        let n = parse(&frame, " GET / ").len();
        frame.reset();
        n
    })
    .join()
    .unwrap();
    assert_eq!(n, 5);

    let mut frame = alloc.task_frame();
    let total = spawn(async move {
        let mut total = handle(&mut frame, "/index").await;
        // Plain data, a frozen `TaskVec`, a `FixedTaskVec` and a `TaskBox` across `.await`.
        let xs = frame.alloc_slice_copy(&[1u32, 2, 3]);
        let frozen = {
            let mut v = frame.task_vec::<u32>();
            v.extend([4, 5]);
            v.into_slice()
        };
        let fixed = fill(&frame);
        let boxed = frame.frame_box(String::from("kept"));
        std::future::ready(()).await;
        total += xs.len() + frozen.len() + fixed.len() + boxed.len();
        drop((fixed, boxed));
        frame.reset(); // between requests
        total + frame.alloc_str("again").len()
    });
    assert_eq!(total, 6 + 3 + 2 + 1 + 4 + 5);

    // Tags across `.await`.
    let a = alloc.clone();
    let tag = spawn(alloc.tag_future("net", async move { a.current_tag() }));
    let _ = tag;
}

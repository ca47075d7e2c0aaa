// The legitimate shapes of task frames in tokio tasks compile and run on a multi-thread
// runtime.
use framealloc::tokio::{spawn_with_frame, spawn_with_frame_in};
use framealloc::{SmartAlloc, TaskFrame};
use tokio::task::{JoinSet, yield_now};

// Async helpers take `&mut TaskFrame`.
async fn handle(frame: &mut TaskFrame, raw: &str) -> usize {
    let path = frame.alloc_str(raw);
    yield_now().await;
    path.len()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let alloc = SmartAlloc::new(Default::default());

    // `spawn_with_frame`: data, a frozen `TaskVec`, a `FixedTaskVec` and a `TaskBox`
    // across `.await`; `reset` between requests; a `'static` output.
    let served = spawn_with_frame(&alloc, |mut frame| async move {
        let mut served = 0;
        for raw in ["/a", "/bc"] {
            served += handle(&mut frame, raw).await;
            let xs = frame.alloc_slice_copy(&[1u32, 2, 3]);
            let frozen = {
                let mut v = frame.task_vec::<u32>();
                v.extend([4, 5]);
                v.into_slice()
            };
            let mut fixed = frame.fixed_vec::<String>(2);
            fixed.push(raw.to_string()).unwrap();
            let boxed = frame.frame_box(String::from("kept"));
            yield_now().await;
            served += xs.len() + frozen.len() + fixed.len() + boxed.len();
            drop((fixed, boxed));
            frame.reset();
        }
        served
    });
    assert_eq!(served.await.unwrap(), 5 + 2 * (3 + 2 + 1 + 4));

    // Into a `JoinSet`, under a tag.
    let mut set = JoinSet::new();
    let abort = alloc.with_tag("net", |a| {
        spawn_with_frame_in(&mut set, a, |frame| async move {
            let n = frame.alloc(41u64);
            yield_now().await;
            *n + 1
        })
    });
    assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    abort.abort(); // a finished task: nothing to do

    // A task frame made outside and moved into a plain `tokio::spawn`, with
    // `tag_future` for the polls' tag.
    let frame = alloc.task_frame();
    let a = alloc.clone();
    let tag = tokio::spawn(alloc.tag_future("db", async move {
        let mut frame = frame;
        let n = handle(&mut frame, "row").await;
        (n, a.current_tag())
    }));
    assert_eq!(tag.await.unwrap(), (3, "db"));
    assert_eq!(alloc.task_arenas_in_use(), 0);
}

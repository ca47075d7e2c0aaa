//! The `tracing` feature: an event per outermost frame end (`framealloc::frame`) and per
//! budget event (`framealloc::budget`), captured by a minimal hand-written subscriber.
#![cfg(all(feature = "tracing", not(feature = "minimal")))]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use framealloc::SmartAlloc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// An event as captured: target, level and fields (as text).
#[derive(Debug, Clone)]
struct Captured {
    target: String,
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Default, Clone)]
struct Capture {
    events: Arc<Mutex<Vec<Captured>>>,
    spans: Arc<Mutex<u64>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        let mut spans = self.spans.lock().unwrap();
        *spans += 1;
        Id::from_u64(*spans)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(Captured {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn field<'a>(e: &'a Captured, name: &str) -> &'a str {
    e.fields
        .get(name)
        .unwrap_or_else(|| panic!("no field {name} in {e:?}"))
}

#[test]
fn an_event_per_outermost_frame_end_and_per_budget_event_and_no_spans() {
    let capture = Capture::default();
    let events = capture.events.clone();
    let spans = capture.spans.clone();
    let alloc = SmartAlloc::new(Default::default());
    tracing::subscriber::with_default(capture, || {
        alloc.set_tag_budget("traced", 16);
        {
            let outer = alloc.frame();
            let inner = alloc.frame();
            inner.alloc([0u8; 8]);
            drop(inner);
            alloc.with_tag("traced", |_| outer.alloc([0u8; 40]));
        }
        alloc.begin_frame();
        let kept = alloc.frame_box([0u64; 2]);
        alloc.end_frame();
        drop(kept);
    });
    let events = events.lock().unwrap().clone();
    let frames: Vec<_> = events
        .iter()
        .filter(|e| e.target == "framealloc::frame")
        .collect();
    assert_eq!(frames.len(), 2, "one per outermost frame end: {events:?}");
    assert!(frames.iter().all(|e| e.level == Level::DEBUG));
    assert_eq!(field(frames[0], "frame"), "1");
    assert_eq!(field(frames[0], "bytes"), "48");
    assert_eq!(field(frames[0], "deferred"), "false");
    assert!(field(frames[0], "chunks").parse::<u64>().unwrap() >= 48);
    assert_eq!(field(frames[1], "frame"), "2");
    assert_eq!(field(frames[1], "bytes"), "16");
    assert_eq!(field(frames[1], "deferred"), "true");
    let budget: Vec<_> = events
        .iter()
        .filter(|e| e.target == "framealloc::budget")
        .collect();
    assert_eq!(budget.len(), 1, "{events:?}");
    assert_eq!(budget[0].level, Level::WARN);
    assert_eq!(field(budget[0], "tag"), "traced");
    assert_eq!(field(budget[0], "limit"), "16");
    assert_eq!(field(budget[0], "frame"), "1");
    assert!(field(budget[0], "message").contains("budget of tag \"traced\" exceeded"));
    assert_eq!(*spans.lock().unwrap(), 0, "no spans");
}

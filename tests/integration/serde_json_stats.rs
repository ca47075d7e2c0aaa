//! The `serde` feature: stats, events and config round-trip through JSON.
#![cfg(feature = "serde")]

use framealloc::{
    AllocConfig, BudgetEvent, BudgetPolicy, BudgetScope, Kind, MisusePolicy, SmartAlloc, Stats,
};

#[test]
fn stats_round_trip_through_json() {
    let alloc = SmartAlloc::new(Default::default());
    let kept = alloc.with_tag("physics", |a| {
        a.frame_scope(|f| {
            f.alloc([0u8; 256]);
        });
        a.pool_box([1u64; 8])
    });
    let heap = alloc.with_tag("render", |a| a.heap_box([2u8; 100]));
    let stats = alloc.stats();
    let json = serde_json::to_string_pretty(&stats).unwrap();
    // Readable shape: tags by name, kinds by name.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let physics = value["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "physics")
        .expect("physics in JSON");
    assert_eq!(physics["pool"]["live_bytes"], 64);
    assert_eq!(physics["frame"]["allocated_bytes"], 256);
    assert_eq!(value["frame_number"], stats.frame_number);

    let back: Stats = serde_json::from_str(&json).unwrap();
    assert_eq!(back, stats);
    assert_eq!(back.tag("render").unwrap().kind(Kind::Heap).live_bytes, 100);
    drop((kept, heap));
}

#[test]
fn names_from_json_are_interned() {
    let json = r#"{"name":"from-json","frame":{"allocated_bytes":1,"allocations":2,"live_bytes":3,"peak_bytes":4},
        "pool":{"allocated_bytes":0,"allocations":0,"live_bytes":0,"peak_bytes":0},
        "heap":{"allocated_bytes":0,"allocations":0,"live_bytes":0,"peak_bytes":0}}"#;
    let t: framealloc::TagStats = serde_json::from_str(json).unwrap();
    assert_eq!(t.name, "from-json");
    assert_eq!(t.kind(Kind::Frame).allocations, 2);
    // From a reader too (no borrowing from the input possible).
    let t2: framealloc::TagStats = serde_json::from_reader(json.as_bytes()).unwrap();
    assert_eq!(t2, t);
    assert!(core::ptr::eq(t.name, t2.name), "one interned copy");
}

#[test]
fn events_and_config_round_trip() {
    let event = BudgetEvent {
        tag: "audio",
        kind: Kind::Frame,
        scope: BudgetScope::ThreadFrame,
        limit: 10,
        used: 8,
        requested: 4,
        frame: 12,
        refused: false,
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        json,
        r#"{"tag":"audio","kind":"frame","scope":"ThreadFrame","limit":10,"used":8,"requested":4,"frame":12,"refused":false}"#
    );
    assert_eq!(serde_json::from_str::<BudgetEvent>(&json).unwrap(), event);

    let config = AllocConfig {
        budget_policy: BudgetPolicy::Enforce,
        on_misuse: MisusePolicy::Log,
        ..Default::default()
    };
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<AllocConfig>(&json).unwrap(), config);
    // Missing fields take their defaults.
    let partial: AllocConfig = serde_json::from_str(r#"{"budget_policy":"Enforce"}"#).unwrap();
    assert_eq!(
        partial,
        AllocConfig {
            budget_policy: BudgetPolicy::Enforce,
            ..Default::default()
        }
    );
}

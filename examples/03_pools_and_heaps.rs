//! Persistent memory: pool boxes for many small objects, a shared `PoolArc`, heap boxes
//! and vectors for large data, and `allocator_api2` collections on pool memory.
//!
//! Run with `cargo run --example 03_pools_and_heaps`.

use std::collections::HashMap;

use framealloc::allocator_api2::vec::Vec as ApiVec;
use framealloc::{HeapBox, PoolArc, PoolBox, SmartAlloc};

#[derive(Debug, Clone)]
struct Entity {
    id: u32,
    pos: [f32; 3],
    hp: f32,
}

impl Entity {
    fn new(id: u32) -> Self {
        Entity {
            id,
            pos: [id as f32, 0.0, 0.0],
            hp: 100.0,
        }
    }
}

#[derive(Debug, Default)]
struct SharedConfig {
    gravity: f32,
    tick_rate: u32,
}

#[derive(Debug, Clone, Copy, Default)]
struct Vertex {
    pos: [f32; 3],
    uv: [f32; 2],
}

struct TextureData {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl TextureData {
    fn load(name: &str) -> Self {
        // A stand-in for decoding an image file.
        let side = 64 + name.len() as u32;
        TextureData {
            width: side,
            height: side,
            pixels: vec![0x7F; (side * side * 4) as usize],
        }
    }
}

fn main() {
    let alloc = SmartAlloc::new(Default::default());

    // Pool allocation - small objects, freed when dropped.
    let mut entities: HashMap<u32, PoolBox<Entity>> = (0..1000)
        .map(|id| (id, alloc.pool_box(Entity::new(id))))
        .collect();
    let config = alloc.pool_arc(SharedConfig {
        gravity: -9.81,
        tick_rate: 60,
    });

    // Despawn every third entity, spawn replacements: the pool reuses the freed blocks.
    let despawned: Vec<u32> = entities.keys().copied().filter(|id| id % 3 == 0).collect();
    let freed_addrs: Vec<usize> = despawned
        .iter()
        .map(|id| &raw const *entities[id] as usize)
        .collect();
    for id in &despawned {
        entities.remove(id);
    }
    let mut reused = 0;
    for id in 1000..1000 + despawned.len() as u32 {
        let e = alloc.pool_box(Entity::new(id));
        if freed_addrs.contains(&(&raw const *e as usize)) {
            reused += 1;
        }
        entities.insert(id, e);
    }
    println!(
        "pool: {} entities alive, {reused} of {} despawned blocks reused by new spawns",
        entities.len(),
        despawned.len()
    );

    // A shared object handed to a worker thread.
    let worker_config = PoolArc::clone(&config);
    let damage = std::thread::spawn(move || worker_config.gravity.abs() * 2.0)
        .join()
        .expect("worker panicked");
    for e in entities.values_mut() {
        e.hp -= damage;
        e.pos[1] += config.gravity / config.tick_rate as f32;
    }
    println!(
        "pool_arc: {} handle left after the worker dropped its clone; entity {} hp {:.2}, y {:.3}",
        PoolArc::strong_count(&config),
        entities[&1].id,
        entities[&1].hp,
        entities[&1].pos[1]
    );

    // A weak back-reference (a cache, a child's parent) does not keep the value alive.
    let cached = PoolArc::downgrade(&config);
    let tick_rate = cached.upgrade().map(|c| c.tick_rate);
    drop(config);
    println!(
        "pool_weak: tick rate {tick_rate:?} while the config lived, upgrade after its last handle dropped: {}",
        if cached.upgrade().is_none() {
            "none"
        } else {
            "still alive?!"
        }
    );

    // Heap allocation - large objects, still freed when dropped.
    let texture: HeapBox<TextureData> = alloc.heap_box(TextureData::load("image.png"));
    let vertex_count = 10_000;
    let mut mesh = alloc.heap_vec_with_capacity::<Vertex>(vertex_count);
    mesh.extend((0..vertex_count).map(|i| Vertex {
        pos: [i as f32, 0.0, 0.0],
        uv: [0.5, 0.5],
    }));
    let max_x = mesh.iter().map(|v| v.pos[0]).fold(f32::MIN, f32::max);
    let uv_sum: f32 = mesh.iter().map(|v| v.uv[0] + v.uv[1]).sum();
    println!(
        "heap: texture {}x{} ({} KiB), mesh of {} vertices ({} KiB, max x {max_x}, uv sum {uv_sum})",
        texture.width,
        texture.height,
        texture.pixels.len() / 1024,
        mesh.len(),
        mesh.len() * size_of::<Vertex>() / 1024
    );

    // Collections on pool memory through the allocator-api2 trait.
    let mut ids = ApiVec::new_in(alloc.pool_allocator());
    ids.extend(entities.keys().copied().filter(|id| id % 100 == 0));
    ids.sort_unstable();
    println!("pool_allocator: {} ids, first {:?}", ids.len(), &ids[..3]);

    // Everything is freed as it drops — also after the allocator itself is gone.
    drop(alloc);
    let total_hp: f32 = entities.values().map(|e| e.hp).sum();
    println!(
        "after dropping the allocator: {} entities still valid, total hp {total_hp:.0}",
        entities.len()
    );
}

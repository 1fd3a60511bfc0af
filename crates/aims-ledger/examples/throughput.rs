//! Measures how fast a log verifies (chain and Merkle root) against the raw SHA-256 speed of
//! the same machine in the same run, so "verify N entries in T seconds" can be stated next
//! to what the hash function allows.
//!
//! Run: `cargo run --release -p aims-ledger --example throughput [entries]` (default
//! 1,000,000). Entries are held in memory (about 250 bytes each) so that only verification
//! is timed.

use std::hint::black_box;
use std::time::Instant;

use aims_ledger::{Action, ChainTip, Change, Entry, LogVerifier, sha256};
use sha2::{Digest, Sha256};

fn main() {
    let count: u64 = match std::env::args().nth(1).map(|a| a.replace('_', "").parse()) {
        None => 1_000_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: throughput [entries]");
            std::process::exit(2);
        }
    };

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    println!(
        "cpu: sha extensions {}",
        if std::arch::is_x86_feature_detected!("sha") {
            "present (sha2 uses them)"
        } else {
            "absent (software SHA-256)"
        }
    );

    // Raw SHA-256 over large buffers: the upper bound for any hashing workload.
    let chunk = vec![0x5au8; 1 << 20];
    let total_mib = 512;
    let started = Instant::now();
    let mut hasher = Sha256::new();
    for _ in 0..total_mib {
        hasher.update(black_box(&chunk));
    }
    black_box(hasher.finalize());
    let bulk_secs = started.elapsed().as_secs_f64();
    let bulk_mb_s = (total_mib as f64 * 1_048_576.0) / bulk_secs / 1e6;
    println!("raw SHA-256, bulk:              {bulk_mb_s:>10.0} MB/s");

    // Raw SHA-256 of 64-byte messages (two compressions each, like a Merkle node).
    let small_count = 4_000_000u32;
    let mut block = [0u8; 64];
    let started = Instant::now();
    for i in 0..small_count {
        block[..4].copy_from_slice(&i.to_le_bytes());
        black_box(sha256(black_box(&block)));
    }
    let small_secs = started.elapsed().as_secs_f64();
    println!(
        "raw SHA-256, 64-byte messages:  {:>10.0} hashes/s",
        f64::from(small_count) / small_secs
    );

    // A synthetic log with realistic field sizes.
    let started = Instant::now();
    let mut entries: Vec<Entry> = Vec::with_capacity(count as usize);
    let mut tip = ChainTip::GENESIS;
    for i in 0..count {
        let action = match i % 3 {
            0 => Action::Create,
            1 => Action::Update,
            _ => Action::Delete,
        };
        let state = sha256(&i.to_le_bytes());
        let entry = tip
            .append(Change {
                time: format!(
                    "2025-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                    1 + (i / 2_000_000) % 12,
                    1 + (i / 80_000) % 28,
                    (i / 3_600) % 24,
                    (i / 60) % 60,
                    i % 60,
                    i % 1_000_000
                ),
                actor: "alice.smith@example.org".to_owned(),
                action,
                entity_type: "ai_system".to_owned(),
                entity_id: format!("0b6f3c1e-8a2d-4c55-9e61-{i:012x}"),
                new_state_hash: (action != Action::Delete).then_some(state),
                prev_state_hash: (action != Action::Create).then_some(state),
            })
            .expect("synthetic entries are well formed");
        tip = entry.tip();
        entries.push(entry);
    }
    let append_secs = started.elapsed().as_secs_f64();
    println!(
        "append (format + hash), {count} entries: {:>10.0} entries/s",
        count as f64 / append_secs
    );

    // What verification hashes per entry: the entry-hash input, the leaf (0x00 || 32 bytes)
    // and, amortised, one node (0x01 || 64 bytes).
    let input_len = 20
        + 8
        + 4 * 8
        + 1
        + 2 * 33
        + 32
        + entries.first().map_or(0, |e| {
            e.time.len() + e.actor.len() + e.entity_type.len() + e.entity_id.len()
        });
    let blocks = |len: usize| (len + 9).div_ceil(64);
    let blocks_per_entry = blocks(input_len) + blocks(33) + blocks(65);

    let started = Instant::now();
    let mut verifier = LogVerifier::new();
    for entry in &entries {
        verifier.push(entry).expect("the synthetic log is intact");
    }
    let verified = verifier.finish().expect("the synthetic log is intact");
    let verify_secs = started.elapsed().as_secs_f64();
    let per_second = count as f64 / verify_secs;
    let hashed_mb_s = per_second * (blocks_per_entry * 64) as f64 / 1e6;
    println!(
        "verify chain + Merkle root, {count} entries: {:.3} s, {per_second:>10.0} entries/s",
        verify_secs
    );
    println!(
        "  = {blocks_per_entry} SHA-256 blocks per entry, {hashed_mb_s:.0} MB/s of blocks \
         ({:.0}% of bulk SHA-256)",
        100.0 * hashed_mb_s / bulk_mb_s
    );
    println!(
        "  projected for 10,000,000 entries: {:.1} s (root {})",
        10_000_000.0 / per_second,
        verified.root_hash
    );
}

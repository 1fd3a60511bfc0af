//! Property tests of the Merkle tree and the chain: proofs verify and break when any part
//! is altered, the incremental tree agrees with the RFC 6962 definition, and the verifier
//! names the right seq for any single edit, deletion or swap.
//!
//! The RFC 6962 definitions are re-implemented here, recursively and naively, as the
//! reference the crate's iterative code is compared with.

use aims_ledger::merkle::{
    self, consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, verify_consistency,
    verify_inclusion,
};
use aims_ledger::{
    Action, ChainTip, Change, CompactTree, Entry, Hash, LogVerifier, SigningKey, TreeHead,
    VerifyError, sha256,
};
use proptest::prelude::*;
use serde_json::Value;

fn leaves(size: usize, seed: u64) -> Vec<Hash> {
    (0..size as u64)
        .map(|i| {
            let mut data = seed.to_be_bytes().to_vec();
            data.extend_from_slice(&i.to_be_bytes());
            leaf_hash(&data)
        })
        .collect()
}

/// The largest power of two smaller than n.
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH, RFC 6962 §2.1, as written there.
fn reference_mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => sha256(b""),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&reference_mth(&d[..k]), &reference_mth(&d[k..]))
        }
    }
}

/// PATH(m, D[n]), RFC 6962 §2.1.1.
fn reference_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return Vec::new();
    }
    let k = k_of(d.len());
    if m < k {
        let mut path = reference_path(m, &d[..k]);
        path.push(reference_mth(&d[k..]));
        path
    } else {
        let mut path = reference_path(m - k, &d[k..]);
        path.push(reference_mth(&d[..k]));
        path
    }
}

/// SUBPROOF(m, D[n], b), RFC 6962 §2.1.2.
fn reference_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b {
            Vec::new()
        } else {
            vec![reference_mth(d)]
        };
    }
    let k = k_of(n);
    if m <= k {
        let mut proof = reference_subproof(m, &d[..k], b);
        proof.push(reference_mth(&d[k..]));
        proof
    } else {
        let mut proof = reference_subproof(m - k, &d[k..], false);
        proof.push(reference_mth(&d[..k]));
        proof
    }
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut bytes = hash.0;
    bytes[(bit / 8) % 32] ^= 1 << (bit % 8);
    Hash(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn incremental_root_equals_batch_root(size in 0usize..300, seed: u64) {
        let d = leaves(size, seed);
        let mut tree = CompactTree::new();
        for (i, leaf) in d.iter().enumerate() {
            tree.push(*leaf).unwrap();
            // Every prefix, not only the final size.
            prop_assert_eq!(tree.root(), reference_mth(&d[..=i]));
        }
        prop_assert_eq!(tree.root(), reference_mth(&d));
        prop_assert_eq!(merkle::root(&d), reference_mth(&d));
        if size == 0 {
            prop_assert_eq!(tree.root(), empty_root());
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_breaks_when_altered(
        size in 1usize..300,
        seed: u64,
        bit in 0usize..256,
    ) {
        let d = leaves(size, seed);
        let root = reference_mth(&d);
        let n = size as u64;
        for index in 0..size {
            let i = index as u64;
            let proof = inclusion_proof(&d, i).unwrap();
            prop_assert_eq!(&proof, &reference_path(index, &d));
            prop_assert!(verify_inclusion(&d[index], i, n, &proof, &root).is_ok());

            prop_assert!(verify_inclusion(&flip(&d[index], bit), i, n, &proof, &root).is_err());
            prop_assert!(verify_inclusion(&d[index], i, n, &proof, &flip(&root, bit)).is_err());
            for position in 0..proof.len() {
                let mut altered = proof.clone();
                altered[position] = flip(&altered[position], bit);
                prop_assert!(verify_inclusion(&d[index], i, n, &altered, &root).is_err());
            }
            // A hash added or removed is the wrong length.
            let mut longer = proof.clone();
            longer.push(root);
            prop_assert!(verify_inclusion(&d[index], i, n, &longer, &root).is_err());
            if let Some((_, shorter)) = proof.split_last() {
                prop_assert!(verify_inclusion(&d[index], i, n, shorter, &root).is_err());
            }
            // Another leaf's hash does not verify at this index.
            let other = (index + 1) % size;
            if other != index {
                prop_assert!(verify_inclusion(&d[other], i, n, &proof, &root).is_err());
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_breaks_when_altered(
        size in 1usize..300,
        seed: u64,
        bit in 0usize..256,
    ) {
        let d = leaves(size, seed);
        let n = size as u64;
        let second = reference_mth(&d);
        let mut first_tree = CompactTree::new();
        for m in 0..=size {
            let first = first_tree.root();
            let proof = consistency_proof(&d, m as u64).unwrap();
            if m > 0 && m < size {
                prop_assert_eq!(&proof, &reference_subproof(m, &d, true));
            } else {
                prop_assert!(proof.is_empty());
            }
            let mu = m as u64;
            prop_assert!(verify_consistency(mu, n, &first, &second, &proof).is_ok());

            prop_assert!(verify_consistency(mu, n, &flip(&first, bit), &second, &proof).is_err());
            // From the empty tree every tree is an extension: the second root is not
            // constrained there.
            if m > 0 {
                prop_assert!(verify_consistency(mu, n, &first, &flip(&second, bit), &proof).is_err());
            }
            for position in 0..proof.len() {
                let mut altered = proof.clone();
                altered[position] = flip(&altered[position], bit);
                prop_assert!(verify_consistency(mu, n, &first, &second, &altered).is_err());
            }
            let mut longer = proof.clone();
            longer.push(second);
            prop_assert!(verify_consistency(mu, n, &first, &second, &longer).is_err());
            if let Some((_, shorter)) = proof.split_last() {
                prop_assert!(verify_consistency(mu, n, &first, &second, shorter).is_err());
            }
            if m < size {
                first_tree.push(d[m]).unwrap();
            }
        }
    }
}

// ---- the chain ---------------------------------------------------------------------------

fn build_log(size: usize, seed: u64) -> Vec<Entry> {
    let mut tip = ChainTip::GENESIS;
    let mut entries = Vec::with_capacity(size);
    for i in 0..size as u64 {
        let action = match (seed.wrapping_add(i)) % 3 {
            0 => Action::Create,
            1 => Action::Update,
            _ => Action::Delete,
        };
        let state = |tag: u64| Some(sha256(&(seed ^ i ^ tag).to_be_bytes()));
        let change = Change {
            time: format!(
                "2025-03-{:02}T10:{:02}:{:02}.{:06}Z",
                1 + i % 28,
                i % 60,
                (i / 60) % 60,
                i
            ),
            actor: format!("user-{}", seed % 7),
            action,
            entity_type: "model".into(),
            entity_id: format!("{seed:x}-{i}"),
            new_state_hash: if action == Action::Delete {
                None
            } else {
                state(1)
            },
            prev_state_hash: if action == Action::Create {
                None
            } else {
                state(2)
            },
        };
        let entry = tip.append(change).unwrap();
        tip = entry.tip();
        entries.push(entry);
    }
    entries
}

fn verify(entries: &[Entry]) -> Result<aims_ledger::VerifiedLog, VerifyError> {
    aims_ledger::verify_log(entries, [])
}

/// Alters one field of an entry without fixing its stored hash.
fn edit(entry: &mut Entry, field: u8, bit: usize) {
    match field % 8 {
        0 => entry.actor.push('!'),
        1 => entry.time.replace_range(
            20..21,
            if entry.time.as_bytes()[20] == b'9' {
                "8"
            } else {
                "9"
            },
        ),
        2 => entry.entity_id.push('x'),
        3 => entry.entity_type = "dataset".into(),
        4 => {
            entry.action = match entry.action {
                Action::Create => Action::Update,
                Action::Update => Action::Delete,
                Action::Delete => Action::Create,
            }
        }
        5 => {
            entry.new_state_hash = match entry.new_state_hash {
                Some(hash) => Some(flip(&hash, bit)),
                None => Some(Hash::ZERO),
            }
        }
        6 => entry.prev_entry_hash = flip(&entry.prev_entry_hash, bit),
        _ => entry.entry_hash = flip(&entry.entry_hash, bit),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn an_intact_log_verifies(size in 0usize..80, seed: u64) {
        let entries = build_log(size, seed);
        let verified = verify(&entries).unwrap();
        prop_assert_eq!(verified.tree_size, size as u64);
        let leaf_hashes: Vec<Hash> = entries.iter().map(Entry::leaf_hash).collect();
        prop_assert_eq!(verified.root_hash, reference_mth(&leaf_hashes));
    }

    #[test]
    fn an_edited_entry_is_named(size in 1usize..80, seed: u64, at in any::<prop::sample::Index>(), field: u8, bit in 0usize..256) {
        let mut entries = build_log(size, seed);
        let k = at.index(size);
        edit(&mut entries[k], field, bit);
        let seq = k as u64 + 1;
        match verify(&entries) {
            Err(VerifyError::EntryEdited { seq: found, .. }) => prop_assert_eq!(found, seq),
            other => prop_assert!(false, "expected entry {} edited, got {:?}", seq, other),
        }
    }

    #[test]
    fn an_edited_entry_with_its_hash_recomputed_breaks_the_chain(size in 2usize..80, seed: u64, at in any::<prop::sample::Index>(), field in 0u8..6, bit in 0usize..256) {
        let mut entries = build_log(size, seed);
        // Not the last entry: nothing follows it to break (see the tree-head tests).
        let k = at.index(size - 1);
        edit(&mut entries[k], field, bit);
        // The forger makes the entry consistent with itself, and also with the format.
        if entries[k].check_shape().is_err() {
            return Ok(());
        }
        entries[k].entry_hash = entries[k].compute_hash();
        prop_assert_eq!(
            verify(&entries).unwrap_err(),
            VerifyError::ChainBroken {
                seq: k as u64 + 2,
                expected: entries[k].entry_hash,
                found: entries[k + 1].prev_entry_hash,
            }
        );
    }

    #[test]
    fn a_deleted_entry_is_named(size in 2usize..80, seed: u64, at in any::<prop::sample::Index>()) {
        let mut entries = build_log(size, seed);
        let k = at.index(size - 1);
        entries.remove(k);
        prop_assert_eq!(
            verify(&entries).unwrap_err(),
            VerifyError::SequenceBreak { expected: k as u64 + 1, found: k as u64 + 2 }
        );
    }

    #[test]
    fn swapped_entries_are_named(size in 2usize..80, seed: u64, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let mut entries = build_log(size, seed);
        let (i, j) = (a.index(size), b.index(size));
        prop_assume!(i != j);
        let (first, second) = (i.min(j), i.max(j));
        entries.swap(first, second);
        prop_assert_eq!(
            verify(&entries).unwrap_err(),
            VerifyError::SequenceBreak { expected: first as u64 + 1, found: second as u64 + 1 }
        );
    }

    #[test]
    fn a_rewritten_or_truncated_log_fails_against_a_tree_head(size in 1usize..60, seed: u64, at in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let entries = build_log(size, seed);
        let key = SigningKey::from_seed([5; 32]);
        let verified = verify(&entries).unwrap();
        let sth = key
            .sign(&TreeHead {
                tree_size: verified.tree_size,
                root_hash: verified.root_hash,
                timestamp: "2025-04-01T00:00:00.000000Z".into(),
            })
            .unwrap();
        let head = sth.verify(&key.public_key()).unwrap();
        prop_assert!(aims_ledger::verify_log(&entries, [head.clone()]).is_ok());

        // Rewrite the chain from entry k on, with every hash recomputed: only the head
        // can tell.
        let k = at.index(size);
        let mut rewritten: Vec<Entry> = entries[..k].to_vec();
        let mut tip = rewritten.last().map_or(ChainTip::GENESIS, Entry::tip);
        for original in &entries[k..] {
            let mut change = Change {
                time: original.time.clone(),
                actor: original.actor.clone(),
                action: original.action,
                entity_type: original.entity_type.clone(),
                entity_id: original.entity_id.clone(),
                new_state_hash: original.new_state_hash,
                prev_state_hash: original.prev_state_hash,
            };
            if original.seq == k as u64 + 1 {
                change.actor.push_str(" (forged)");
            }
            let entry = tip.append(change).unwrap();
            tip = entry.tip();
            rewritten.push(entry);
        }
        prop_assert!(verify(&rewritten).is_ok());
        match aims_ledger::verify_log(&rewritten, [head.clone()]) {
            Err(VerifyError::HeadMismatch { tree_size, .. }) => prop_assert_eq!(tree_size, size as u64),
            other => prop_assert!(false, "expected a head mismatch, got {:?}", other),
        }

        // Cut the log short: the remaining prefix is intact, but shorter than the head.
        let keep = cut.index(size);
        prop_assert_eq!(
            aims_ledger::verify_log(&entries[..keep], [head]).unwrap_err(),
            VerifyError::Truncated {
                log_size: keep as u64,
                head_size: size as u64,
                timestamp: "2025-04-01T00:00:00.000000Z".into(),
            }
        );
    }
}

#[test]
fn the_empty_log_and_a_head_of_size_zero() {
    let head = TreeHead {
        tree_size: 0,
        root_hash: empty_root(),
        timestamp: "2025-04-01T00:00:00.000000Z".into(),
    };
    let verified = aims_ledger::verify_log(&[], [head.clone()]).unwrap();
    assert_eq!(verified.tree_size, 0);
    assert_eq!(verified.root_hash, empty_root());
    assert_eq!(verified.last_entry_hash, Hash::ZERO);
    let entries = build_log(3, 1);
    aims_ledger::verify_log(&entries, [head.clone()]).unwrap();
    let bad = TreeHead {
        root_hash: Hash::ZERO,
        ..head
    };
    assert!(matches!(
        aims_ledger::verify_log(&entries, [bad]),
        Err(VerifyError::HeadMismatch { tree_size: 0, .. })
    ));
    let mut verifier = LogVerifier::new();
    assert_eq!(verifier.tree_size(), 0);
    assert_eq!(verifier.root(), empty_root());
    // A first entry that names a non-zero previous hash breaks the chain at seq 1.
    let mut first = entries[0].clone();
    first.prev_entry_hash = Hash([1; 32]);
    first.entry_hash = first.compute_hash();
    assert_eq!(
        verifier.push(&first).unwrap_err(),
        VerifyError::ChainBroken {
            seq: 1,
            expected: Hash::ZERO,
            found: Hash([1; 32])
        }
    );
    // The failed push left the verifier untouched.
    verifier.push(&entries[0]).unwrap();
    assert_eq!(verifier.tree_size(), 1);
}

// ---- RFC 8785 ------------------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53)..(1i64 << 53)).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[\\x00-\\x1f\"\\\\\u{7f}-\u{ffff}\u{10000}-\u{10ffff}]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The canonical text is JSON that reads back as the same value, and canonicalising it
    /// again changes nothing.
    #[test]
    fn canonical_text_is_stable_json(value in json_value()) {
        let text = aims_ledger::canonicalize(&value).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(aims_ledger::canonicalize(&back).unwrap(), text.clone());
        prop_assert!(!text.contains('\n'));
        // Equal as JSON values, numbers compared as doubles (1.0 and 1 are one number).
        prop_assert!(same_json(&value, &back), "{} vs {}", value, back);
    }
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

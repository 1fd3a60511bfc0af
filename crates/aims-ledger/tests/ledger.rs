//! The ledger used as the store, `aims verify` and an offline auditor will use it: append
//! entries for record changes, checkpoint a signed tree head, hand out proofs as JSON, and
//! check them with only the public key.

use aims_ledger::{
    Action, ChainTip, Change, CompactTree, ConsistencyProof, Entry, Hash, InclusionProof,
    LogVerifier, ProofError, PublicKey, RecordError, SignedTreeHead, SigningKey, TreeHead,
    VerifyError, check_record, state_hash, verify_log,
};
use serde_json::{Value, json};

/// What the store does inside a write transaction.
struct Store {
    entries: Vec<Entry>,
    tree: CompactTree,
}

impl Store {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            tree: CompactTree::new(),
        }
    }

    fn write(&mut self, action: Action, id: &str, before: Option<&Value>, after: Option<&Value>) {
        let tip = self.entries.last().map_or(ChainTip::GENESIS, Entry::tip);
        let n = self.entries.len();
        let entry = tip
            .append(Change {
                time: format!("2025-05-01T08:00:{:02}.{:06}Z", n % 60, n),
                actor: "alice".into(),
                action,
                entity_type: "ai_system".into(),
                entity_id: id.into(),
                new_state_hash: after.map(|v| state_hash(v).unwrap()),
                prev_state_hash: before.map(|v| state_hash(v).unwrap()),
            })
            .unwrap();
        self.tree.push(entry.leaf_hash()).unwrap();
        self.entries.push(entry);
    }

    fn checkpoint(&self, key: &SigningKey, timestamp: &str) -> String {
        key.sign(&TreeHead {
            tree_size: self.tree.size(),
            root_hash: self.tree.root(),
            timestamp: timestamp.into(),
        })
        .unwrap()
        .to_json()
    }

    fn entry_hashes(&self) -> Vec<Hash> {
        self.entries.iter().map(|e| e.entry_hash).collect()
    }
}

fn story() -> (Store, Value) {
    let mut store = Store::new();
    let v1 = json!({"id": "s1", "name": "Triage", "risk": "high", "metrics": {"auc": 0.93}});
    let v2 = json!({"id": "s1", "name": "Triage", "risk": "medium", "metrics": {"auc": 0.95}});
    let other = json!({"id": "s2", "name": "Chatbot"});
    store.write(Action::Create, "s1", None, Some(&v1));
    store.write(Action::Create, "s2", None, Some(&other));
    store.write(Action::Update, "s1", Some(&v1), Some(&v2));
    store.write(Action::Delete, "s2", Some(&other), None);
    for i in 0..20 {
        let v = json!({"id": format!("m{i}"), "n": i});
        store.write(Action::Create, &format!("m{i}"), None, Some(&v));
    }
    (store, v2)
}

#[test]
fn offline_audit_with_only_the_public_key() {
    let key = SigningKey::generate().unwrap();
    let public_text = key.public_key().to_base64();
    let (mut store, _) = story();
    let early_head_file = store.checkpoint(&key, "2025-05-01T09:00:00.000000Z");
    let early_hashes = store.entry_hashes();
    store.write(Action::Create, "late", None, Some(&json!({"id": "late"})));
    let head_file = store.checkpoint(&key, "2025-05-02T09:00:00.000000Z");
    let hashes = store.entry_hashes();

    // The store hands out proofs as files.
    let inclusion_file = InclusionProof::build(&hashes, 3).unwrap().to_json();
    let consistency_file = ConsistencyProof::build(&hashes, early_hashes.len() as u64)
        .unwrap()
        .to_json();

    // The auditor: public key, two head files, two proof files and the entry in question.
    let public: PublicKey = public_text.parse().unwrap();
    let head = SignedTreeHead::from_json(&head_file)
        .unwrap()
        .verify(&public)
        .unwrap();
    let early = SignedTreeHead::from_json(&early_head_file)
        .unwrap()
        .verify(&public)
        .unwrap();
    let inclusion = InclusionProof::from_json(&inclusion_file).unwrap();
    inclusion.verify_against(&head).unwrap();
    assert_eq!(inclusion.seq(), 3);
    assert_eq!(inclusion.entry_hash, store.entries[2].compute_hash());
    let consistency = ConsistencyProof::from_json(&consistency_file).unwrap();
    consistency.verify_between(&early, &head).unwrap();

    // Proofs against the wrong head fail with a reason.
    assert_eq!(
        inclusion.verify_against(&early),
        Err(ProofError::TreeSizeMismatch {
            proof_size: head.tree_size,
            head_size: early.tree_size
        })
    );
    assert!(consistency.verify_between(&head, &early).is_err());

    // The JSON shapes are the documented ones.
    let value: Value = serde_json::from_str(&inclusion_file).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["audit_path", "entry_hash", "leaf_index", "tree_size"]
    );
    let value: Value = serde_json::from_str(&consistency_file).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["first_size", "path", "second_size"]);
    let value: Value = serde_json::from_str(&head_file).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["key_id", "root_hash", "signature", "timestamp", "tree_size"]
    );
}

#[test]
fn aims_verify_streams_the_log_against_its_checkpoints() {
    let key = SigningKey::from_seed([9; 32]);
    let (mut store, _) = story();
    let head1 = SignedTreeHead::from_json(&store.checkpoint(&key, "2025-05-01T09:00:00.000000Z"))
        .unwrap()
        .verify(&key.public_key())
        .unwrap();
    store.write(Action::Create, "late", None, Some(&json!({"id": "late"})));
    let head2 = SignedTreeHead::from_json(&store.checkpoint(&key, "2025-05-02T09:00:00.000000Z"))
        .unwrap()
        .verify(&key.public_key())
        .unwrap();

    let mut verifier = LogVerifier::with_heads([head2.clone(), head1.clone()]);
    for entry in &store.entries {
        verifier.push(entry).unwrap();
    }
    let verified = verifier.finish().unwrap();
    assert_eq!(verified.tree_size, head2.tree_size);
    assert_eq!(verified.root_hash, store.tree.root());
    assert_eq!(
        verified.last_entry_hash,
        store.entries.last().unwrap().entry_hash
    );

    // The last entry removed: caught by the later head only.
    let short = &store.entries[..store.entries.len() - 1];
    assert!(verify_log(short, [head1.clone()]).is_ok());
    let error = verify_log(short, [head1, head2]).unwrap_err();
    assert!(matches!(error, VerifyError::Truncated { .. }));
    assert_eq!(
        error.to_string(),
        "the log was truncated: it holds 24 entries, but the signed tree head of \
         2025-05-02T09:00:00.000000Z covers 25; entries 25..=25 are gone"
    );
}

#[test]
fn the_first_failure_is_the_one_reported() {
    let (store, _) = story();
    let mut entries = store.entries.clone();
    entries[10].actor = "mallory".into();
    entries.remove(4);
    let error = verify_log(&entries, []).unwrap_err();
    assert_eq!(
        error,
        VerifyError::SequenceBreak {
            expected: 5,
            found: 6
        }
    );
    assert_eq!(
        error.to_string(),
        "sequence break: expected entry 5, found entry 6 (an entry was deleted, inserted or moved)"
    );
    let mut entries = store.entries.clone();
    entries[6].actor = "mallory".into();
    let error = verify_log(&entries, []).unwrap_err();
    assert!(
        error.to_string().starts_with("entry 7 was edited: "),
        "{error}"
    );
}

#[test]
fn a_wellhashed_but_malformed_entry_is_reported() {
    let (store, _) = story();
    let mut entries = store.entries.clone();
    entries[0].time = "2025-05-01 08:00:00".into();
    entries[0].entry_hash = entries[0].compute_hash();
    let error = verify_log(&entries[..1], []).unwrap_err();
    assert!(matches!(error, VerifyError::Malformed { seq: 1, .. }));
    assert!(error.to_string().contains("entry 1"), "{error}");
}

#[test]
fn live_records_are_checked_against_their_last_entry() {
    let (store, current) = story();
    let last_of_s1 = &store.entries[2];
    check_record(&current, last_of_s1).unwrap();
    // Key order and number spelling do not matter: the state is canonicalised.
    let reordered: Value = serde_json::from_str(
        r#"{"metrics": {"auc": 9.5e-1}, "risk": "medium", "name": "Triage", "id": "s1"}"#,
    )
    .unwrap();
    check_record(&reordered, last_of_s1).unwrap();

    let mut edited = current.clone();
    edited["risk"] = json!("low");
    let error = check_record(&edited, last_of_s1).unwrap_err();
    assert!(matches!(
        error,
        RecordError::EditedOutsideAims {
            seq: 3,
            ref entity_id,
            ..
        } if entity_id == "s1"
    ));
    assert!(
        error
            .to_string()
            .starts_with("ai_system s1 was edited outside aims: its state hashes to "),
        "{error}"
    );

    let deleted = &store.entries[3];
    assert!(matches!(
        check_record(&json!({"id": "s2"}), deleted),
        Err(RecordError::DeletedInLedger { seq: 4, .. })
    ));
    let huge: Value = serde_json::from_str(r#"{"n": 9007199254740993}"#).unwrap();
    assert!(matches!(
        check_record(&huge, last_of_s1),
        Err(RecordError::Unhashable { .. })
    ));
}

#[test]
fn proofs_from_files_never_panic() {
    let (store, _) = story();
    let hashes = store.entry_hashes();
    let root = store.tree.root();
    assert!(InclusionProof::build(&hashes, 0).is_err());
    assert!(InclusionProof::build(&hashes, 25).is_err());
    assert!(ConsistencyProof::build(&hashes, 25).is_err());
    for text in [
        "",
        "null",
        r#"{"leaf_index": 0}"#,
        r#"{"leaf_index": 0, "tree_size": 1, "entry_hash": "zz", "audit_path": []}"#,
        r#"{"leaf_index": -1, "tree_size": 1, "entry_hash": "00", "audit_path": []}"#,
    ] {
        assert!(InclusionProof::from_json(text).is_err(), "{text}");
    }
    let zero = Hash::ZERO.to_hex();
    for (index, size, path_len) in [
        (0u64, 0u64, 0usize),
        (5, 5, 0),
        (u64::MAX, u64::MAX, 3),
        (0, u64::MAX, 64),
        (0, u64::MAX, 65),
        (3, 4, 1000),
    ] {
        let path: Vec<String> = vec![zero.clone(); path_len];
        let text =
            json!({"leaf_index": index, "tree_size": size, "entry_hash": zero, "audit_path": path})
                .to_string();
        let proof = InclusionProof::from_json(&text).unwrap();
        assert!(proof.verify(&root).is_err());
    }
    for (m, n, path_len) in [
        (0u64, 0u64, 1usize),
        (5, 3, 0),
        (u64::MAX, u64::MAX, 1),
        (1, u64::MAX, 64),
        (u64::MAX - 1, u64::MAX, 130),
    ] {
        let path: Vec<String> = vec![zero.clone(); path_len];
        let text = json!({"first_size": m, "second_size": n, "path": path}).to_string();
        let proof = ConsistencyProof::from_json(&text).unwrap();
        assert!(proof.verify(&root, &root).is_err());
    }
}

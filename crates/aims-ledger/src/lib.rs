//! The tamper-evident ledger of aims: a hash chain of entries, one per create, update or
//! delete of a record, with a Merkle tree (RFC 6962) over the entries and Ed25519-signed
//! tree heads, so that an edited, deleted, reordered or truncated log is detected, by aims
//! itself (`aims verify`) or by an auditor offline with only the public key.
//!
//! The crate is pure: no database, no HTTP, no clock, no files. The store appends entries
//! inside its own transactions ([`ChainTip::append`], [`CompactTree`]); verifiers stream
//! entries through a [`LogVerifier`]. The formats below are the contract; an auditor can
//! re-implement each from this page alone.
//!
//! # Entry hash
//!
//! An [`Entry`] is hashed with SHA-256 over this byte string (`u64be` is 8 bytes,
//! big-endian; `str(s)` is `u64be(byte length of s) || UTF-8 bytes of s`;
//! `opt(h)` is the byte `0x00` when absent, or `0x01 || h` (32 bytes)):
//!
//! ```text
//! "aims-ledger:entry:v1"          20 ASCII bytes, no terminator
//! u64be(seq)
//! str(time)                       e.g. "2025-01-31T09:30:00.123456Z"
//! str(actor)
//! action                          1 byte: 0x01 create, 0x02 update, 0x03 delete
//! str(entity_type)
//! str(entity_id)
//! opt(new_state_hash)             absent for a delete
//! opt(prev_state_hash)            absent for a create
//! prev_entry_hash                 32 bytes; 32 zero bytes for seq 1
//! ```
//!
//! Rules: seq starts at 1 with no gaps; `time` is exactly `YYYY-MM-DDTHH:MM:SS.ffffffZ`;
//! actor, entity type and entity id are not empty; a create has only a new-state hash, an
//! update both, a delete only a previous-state hash.
//!
//! # State hash
//!
//! A record's state hash is SHA-256 of the RFC 8785 (JCS) canonical form of its JSON
//! ([`state_hash`], [`canonicalize`]). Integers that an IEEE 754 double cannot hold
//! exactly are refused rather than rounded, unless already written as ECMAScript writes
//! their nearest double (as canonical text is).
//!
//! # Merkle tree
//!
//! The leaves are the entries in seq order, and the data of the leaf for entry `seq` (at
//! index `seq - 1`) is its 32-byte entry hash. Exactly as RFC 6962 §2.1: leaf hash =
//! `SHA-256(0x00 || entry_hash)`, node hash = `SHA-256(0x01 || left || right)`, the tree
//! split at the largest power of two smaller than the size, the empty tree's hash =
//! SHA-256 of the empty string. Inclusion and consistency proofs are RFC 6962 §2.1.1 and
//! §2.1.2, verified as RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! # Keys
//!
//! Ed25519 (RFC 8032). A public key is written as standard base64 (with padding) of its
//! raw 32 bytes; its key id is the first 8 bytes of SHA-256 of those 32 bytes, as 16
//! lowercase hex digits. The secret key file holds base64 of the 32-byte seed.
//!
//! # Signed tree head (JSON)
//!
//! ```json
//! {
//!   "tree_size": 1000,
//!   "root_hash": "<64 hex digits>",
//!   "timestamp": "2025-06-01T12:00:00.000000Z",
//!   "key_id": "<16 hex digits>",
//!   "signature": "<base64 of the 64-byte Ed25519 signature>"
//! }
//! ```
//!
//! The signature is over
//! `"aims-ledger:tree-head:v1" (24 ASCII bytes) || u64be(tree_size) || root_hash (32 bytes)
//! || str(timestamp)`, and is checked with strict RFC 8032 verification.
//!
//! # Proofs (JSON)
//!
//! Inclusion of entry `seq` in a tree head of size `tree_size`:
//!
//! ```json
//! {"leaf_index": 41, "tree_size": 1000, "entry_hash": "<hex>", "audit_path": ["<hex>", "..."]}
//! ```
//!
//! with `leaf_index = seq - 1` and the audit path from the leaf up. Consistency of a tree
//! head of size `first_size` with a later one of size `second_size`:
//!
//! ```json
//! {"first_size": 500, "second_size": 1000, "path": ["<hex>", "..."]}
//! ```
//!
//! Hashes are 64 hex digits (lowercase when written, either case read). Unknown fields are
//! refused in every JSON shape here, [`Entry`] included.
//!
//! # Entry (JSON)
//!
//! ```json
//! {"seq": 1, "time": "2025-01-31T09:30:00.123456Z", "actor": "alice", "action": "create",
//!  "entity_type": "ai_system", "entity_id": "…", "new_state_hash": "<hex>",
//!  "prev_state_hash": null, "prev_entry_hash": "<hex>", "entry_hash": "<hex>"}
//! ```

#![warn(missing_docs)]

mod entry;
mod hash;
mod jcs;
pub mod merkle;
mod proof;
mod signing;
mod verify;

pub use entry::{
    Action, ChainTip, Change, ChangeRef, ENTRY_HASH_TAG, Entry, EntryError, is_valid_time,
};
pub use hash::{Hash, HexError, decode_hex, encode_hex, sha256};
pub use jcs::{JcsError, canonicalize, state_hash, write_canonical};
pub use merkle::{CompactTree, ProofError};
pub use proof::{ConsistencyProof, InclusionProof};
pub use signing::{
    KeyError, KeyId, PublicKey, SignedTreeHead, SigningKey, TREE_HEAD_TAG, TreeHead, TreeHeadError,
};
pub use verify::{LogVerifier, RecordError, VerifiedLog, VerifyError, check_record, verify_log};

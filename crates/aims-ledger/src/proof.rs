//! Proofs as files: an inclusion proof that an entry is in the log a tree head covers, and
//! a consistency proof that a later tree head extends an earlier one. Each serialises to
//! JSON with serde, so `aims ledger verify-proof` can check one offline against a signed
//! tree head and the public key.

use serde::{Deserialize, Serialize};

use crate::hash::Hash;
use crate::merkle::{self, ProofError};
use crate::signing::TreeHead;

/// Proof that the entry whose hash is `entry_hash` is entry `leaf_index + 1` of the log
/// whose first `tree_size` entries have a given Merkle root.
///
/// JSON: `{"leaf_index": u64, "tree_size": u64, "entry_hash": hex, "audit_path": [hex, ...]}`,
/// the audit path ordered from the leaf up (RFC 6962 §2.1.1); unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// Zero-based leaf position: the entry's seq minus one.
    pub leaf_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// The entry's hash, the leaf's data (the leaf hash is `SHA-256(0x00 || entry_hash)`).
    pub entry_hash: Hash,
    /// Sibling hashes from the leaf up to the root.
    pub audit_path: Vec<Hash>,
}

impl InclusionProof {
    /// Builds the proof for entry `seq` of the log whose entry hashes, in seq order, are
    /// `entry_hashes` (the tree size is their number).
    pub fn build(entry_hashes: &[Hash], seq: u64) -> Result<Self, ProofError> {
        let tree_size = entry_hashes.len() as u64;
        let out_of_range = ProofError::IndexOutOfRange {
            index: seq.wrapping_sub(1),
            tree_size,
        };
        if seq == 0 || seq > tree_size {
            return Err(out_of_range);
        }
        let leaf_index = seq - 1;
        let leaves: Vec<Hash> = entry_hashes
            .iter()
            .map(|hash| merkle::leaf_hash(&hash.0))
            .collect();
        Ok(Self {
            leaf_index,
            tree_size,
            entry_hash: entry_hashes[leaf_index as usize],
            audit_path: merkle::inclusion_proof(&leaves, leaf_index)?,
        })
    }

    /// The seq of the entry proven.
    pub fn seq(&self) -> u64 {
        self.leaf_index.saturating_add(1)
    }

    /// Verifies the proof against a tree root of `tree_size` leaves.
    pub fn verify(&self, root: &Hash) -> Result<(), ProofError> {
        merkle::verify_inclusion(
            &merkle::leaf_hash(&self.entry_hash.0),
            self.leaf_index,
            self.tree_size,
            &self.audit_path,
            root,
        )
    }

    /// Verifies the proof against a tree head (whose signature the caller has checked with
    /// [`crate::SignedTreeHead::verify`]); the sizes must match.
    pub fn verify_against(&self, head: &TreeHead) -> Result<(), ProofError> {
        if self.tree_size != head.tree_size {
            return Err(ProofError::TreeSizeMismatch {
                proof_size: self.tree_size,
                head_size: head.tree_size,
            });
        }
        self.verify(&head.root_hash)
    }

    /// Pretty JSON, as written to a file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON of a proof file.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Proof that the tree of `second_size` entries extends the tree of `first_size`: the
/// log only grew between the two heads; nothing in the first `first_size` entries was
/// changed, removed or reordered.
///
/// JSON: `{"first_size": u64, "second_size": u64, "path": [hex, ...]}` with the path as
/// RFC 6962 §2.1.2 orders it; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub first_size: u64,
    /// Size of the newer tree.
    pub second_size: u64,
    /// The proof's hashes.
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    /// Builds the proof from the first `first_size` entries to all of `entry_hashes`.
    pub fn build(entry_hashes: &[Hash], first_size: u64) -> Result<Self, ProofError> {
        let leaves: Vec<Hash> = entry_hashes
            .iter()
            .map(|hash| merkle::leaf_hash(&hash.0))
            .collect();
        Ok(Self {
            first_size,
            second_size: entry_hashes.len() as u64,
            path: merkle::consistency_proof(&leaves, first_size)?,
        })
    }

    /// Verifies the proof between two roots.
    pub fn verify(&self, first_root: &Hash, second_root: &Hash) -> Result<(), ProofError> {
        merkle::verify_consistency(
            self.first_size,
            self.second_size,
            first_root,
            second_root,
            &self.path,
        )
    }

    /// Verifies the proof between two tree heads (whose signatures the caller has
    /// checked); their sizes must be the proof's.
    pub fn verify_between(&self, first: &TreeHead, second: &TreeHead) -> Result<(), ProofError> {
        for (proof_size, head) in [(self.first_size, first), (self.second_size, second)] {
            if proof_size != head.tree_size {
                return Err(ProofError::TreeSizeMismatch {
                    proof_size,
                    head_size: head.tree_size,
                });
            }
        }
        self.verify(&first.root_hash, &second.root_hash)
    }

    /// Pretty JSON, as written to a file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON of a proof file.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

//! Verification of a whole log, streamed: entries are fed one at a time, so the log never
//! has to fit in memory, and the first thing wrong is reported precisely. Also the check
//! that a live record still has the state its last entry recorded.
//!
//! Per entry the verifier hashes the entry (a few SHA-256 blocks), its leaf and, amortised,
//! one Merkle node, and allocates nothing.

use serde_json::Value;
use thiserror::Error;

use crate::entry::{Action, Entry, EntryError};
use crate::hash::Hash;
use crate::jcs::{JcsError, state_hash};
use crate::merkle::{CompactTree, ProofError};
use crate::signing::TreeHead;

/// The first thing found wrong in a log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// The entry found is not the next one: an entry was deleted, inserted or moved.
    #[error(
        "sequence break: expected entry {expected}, found entry {found} \
         (an entry was deleted, inserted or moved)"
    )]
    SequenceBreak {
        /// The seq that should come next.
        expected: u64,
        /// The seq found there.
        found: u64,
    },
    /// The entry's stored hash does not match its content.
    #[error(
        "entry {seq} was edited: its content hashes to {computed} but its stored hash is {stored}"
    )]
    EntryEdited {
        /// The entry.
        seq: u64,
        /// The hash stored with it.
        stored: Hash,
        /// The hash of its content.
        computed: Hash,
    },
    /// The entry does not name the previous entry's hash.
    #[error(
        "chain broken at entry {seq}: it names {found} as the previous entry's hash, \
         but the previous entry's hash is {expected}"
    )]
    ChainBroken {
        /// The entry.
        seq: u64,
        /// The previous entry's hash (32 zero bytes before entry 1).
        expected: Hash,
        /// The previous-entry hash it holds.
        found: Hash,
    },
    /// The entry's hash is right but its content breaks the format.
    #[error("entry {seq} is malformed: {source}")]
    Malformed {
        /// The entry.
        seq: u64,
        /// What is wrong.
        #[source]
        source: EntryError,
    },
    /// The first `tree_size` entries do not have the root a signed tree head recorded:
    /// some of them were changed, removed or reordered and the chain rewritten after it.
    #[error(
        "the first {tree_size} entries do not match the signed tree head of {timestamp}: \
         it records root {head_root}, they give {computed_root}; entries up to seq {tree_size} \
         were rewritten after the head was signed"
    )]
    HeadMismatch {
        /// The head's size.
        tree_size: u64,
        /// The head's timestamp.
        timestamp: String,
        /// The head's root.
        head_root: Hash,
        /// The root of the log's first `tree_size` entries.
        computed_root: Hash,
    },
    /// The log is shorter than a signed tree head says it was.
    #[error(
        "the log was truncated: it holds {log_size} entries, but the signed tree head of \
         {timestamp} covers {head_size}; entries {first_missing}..={head_size} are gone",
        first_missing = log_size + 1
    )]
    Truncated {
        /// Entries in the log.
        log_size: u64,
        /// Entries the head covers.
        head_size: u64,
        /// The head's timestamp.
        timestamp: String,
    },
    /// The log holds `u64::MAX` entries.
    #[error("the log is too long to verify")]
    TooLong,
}

/// What a successful verification establishes: the log's size, its Merkle root and the
/// tip a new entry would chain to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedLog {
    /// Number of entries.
    pub tree_size: u64,
    /// Merkle root over their entry hashes.
    pub root_hash: Hash,
    /// Entry hash of the last entry (32 zero bytes for an empty log).
    pub last_entry_hash: Hash,
}

/// Streaming verifier of a log: feed it every entry in seq order with
/// [`LogVerifier::push`], then call [`LogVerifier::finish`].
///
/// Checks per entry, in this order: the seq is the next one; the stored entry hash matches
/// the content; the previous-entry hash is the previous entry's hash; the content follows
/// the format. With tree heads given, the root at each head's size must be the head's
/// root, and the log must reach every head's size.
///
/// A failed `push` leaves the verifier as it was before that entry (except after a
/// [`VerifyError::HeadMismatch`], where the entry has been counted); stop at the first error.
#[derive(Debug, Clone)]
pub struct LogVerifier {
    tree: CompactTree,
    last_hash: Hash,
    /// Heads to check, smallest size first; `next_head` indexes the first not yet reached.
    heads: Vec<TreeHead>,
    next_head: usize,
}

impl Default for LogVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl LogVerifier {
    /// A verifier with no tree heads to check against.
    pub fn new() -> Self {
        Self::with_heads(Vec::new())
    }

    /// A verifier that also checks the log against tree heads saved earlier. Verify their
    /// signatures first ([`crate::SignedTreeHead::verify`]).
    ///
    /// While streaming, the verifier compares its own root at each head's size with the
    /// head's root. Equal roots at size m are exactly what a consistency proof from the
    /// head to the current tree establishes, without holding the leaves to build one.
    pub fn with_heads(heads: impl IntoIterator<Item = TreeHead>) -> Self {
        let mut heads: Vec<TreeHead> = heads.into_iter().collect();
        heads.sort_by_key(|head| head.tree_size);
        Self {
            tree: CompactTree::new(),
            last_hash: Hash::ZERO,
            heads,
            next_head: 0,
        }
    }

    /// Entries verified so far.
    pub fn tree_size(&self) -> u64 {
        self.tree.size()
    }

    /// The current Merkle root (O(log n) hashes).
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// Verifies the next entry.
    pub fn push(&mut self, entry: &Entry) -> Result<(), VerifyError> {
        // Heads of size 0 are due before the first entry.
        self.check_due_heads()?;
        let expected = self
            .tree
            .size()
            .checked_add(1)
            .ok_or(VerifyError::TooLong)?;
        if entry.seq != expected {
            return Err(VerifyError::SequenceBreak {
                expected,
                found: entry.seq,
            });
        }
        let computed = entry.compute_hash();
        if computed != entry.entry_hash {
            return Err(VerifyError::EntryEdited {
                seq: entry.seq,
                stored: entry.entry_hash,
                computed,
            });
        }
        if entry.prev_entry_hash != self.last_hash {
            return Err(VerifyError::ChainBroken {
                seq: entry.seq,
                expected: self.last_hash,
                found: entry.prev_entry_hash,
            });
        }
        entry
            .check_shape()
            .map_err(|source| VerifyError::Malformed {
                seq: entry.seq,
                source,
            })?;
        self.tree
            .push(crate::merkle::leaf_hash(&computed.0))
            .map_err(|_: ProofError| VerifyError::TooLong)?;
        self.last_hash = computed;
        self.check_due_heads()
    }

    /// Ends the stream: checks that no head covers more entries than the log holds and
    /// returns the log's size and root.
    pub fn finish(mut self) -> Result<VerifiedLog, VerifyError> {
        self.check_due_heads()?;
        if let Some(head) = self.heads.get(self.next_head) {
            return Err(VerifyError::Truncated {
                log_size: self.tree.size(),
                head_size: head.tree_size,
                timestamp: head.timestamp.clone(),
            });
        }
        Ok(VerifiedLog {
            tree_size: self.tree.size(),
            root_hash: self.tree.root(),
            last_entry_hash: self.last_hash,
        })
    }

    /// Compares the root with every head whose size the log has just reached.
    fn check_due_heads(&mut self) -> Result<(), VerifyError> {
        let size = self.tree.size();
        let mut root = None;
        while let Some(head) = self.heads.get(self.next_head) {
            if head.tree_size != size {
                break;
            }
            let computed_root = *root.get_or_insert_with(|| self.tree.root());
            if computed_root != head.root_hash {
                return Err(VerifyError::HeadMismatch {
                    tree_size: head.tree_size,
                    timestamp: head.timestamp.clone(),
                    head_root: head.root_hash,
                    computed_root,
                });
            }
            self.next_head += 1;
        }
        Ok(())
    }
}

/// Verifies a whole log given as an iterator, against optional tree heads.
pub fn verify_log<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    heads: impl IntoIterator<Item = TreeHead>,
) -> Result<VerifiedLog, VerifyError> {
    let mut verifier = LogVerifier::with_heads(heads);
    for entry in entries {
        verifier.push(entry)?;
    }
    verifier.finish()
}

/// A live record that does not match the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    /// The record's state is not the one its last entry recorded.
    #[error(
        "{entity_type} {entity_id} was edited outside aims: its state hashes to {found}, \
         but its last ledger entry (seq {seq}) recorded {expected}"
    )]
    EditedOutsideAims {
        /// The last entry's seq.
        seq: u64,
        /// The record's kind.
        entity_type: String,
        /// The record's id.
        entity_id: String,
        /// The new-state hash of the last entry.
        expected: Hash,
        /// The hash of the record as it is.
        found: Hash,
    },
    /// The record exists but its last entry deleted it.
    #[error(
        "{entity_type} {entity_id} exists, but its last ledger entry (seq {seq}) deleted it: \
         it was recreated outside aims"
    )]
    DeletedInLedger {
        /// The last entry's seq.
        seq: u64,
        /// The record's kind.
        entity_type: String,
        /// The record's id.
        entity_id: String,
    },
    /// The record's JSON has no canonical form.
    #[error("{entity_type} {entity_id} cannot be hashed: {source}")]
    Unhashable {
        /// The record's kind.
        entity_type: String,
        /// The record's id.
        entity_id: String,
        /// Why.
        #[source]
        source: JcsError,
    },
}

/// Checks that a live record's state (as JSON) is the state its last ledger entry
/// recorded: `Ok` or [`RecordError::EditedOutsideAims`].
pub fn check_record(record: &Value, last_entry: &Entry) -> Result<(), RecordError> {
    let entity_type = || last_entry.entity_type.clone();
    let entity_id = || last_entry.entity_id.clone();
    let expected = match (last_entry.action, last_entry.new_state_hash) {
        (Action::Delete, _) | (_, None) => {
            return Err(RecordError::DeletedInLedger {
                seq: last_entry.seq,
                entity_type: entity_type(),
                entity_id: entity_id(),
            });
        }
        (_, Some(hash)) => hash,
    };
    let found = state_hash(record).map_err(|source| RecordError::Unhashable {
        entity_type: entity_type(),
        entity_id: entity_id(),
        source,
    })?;
    if found != expected {
        return Err(RecordError::EditedOutsideAims {
            seq: last_entry.seq,
            entity_type: entity_type(),
            entity_id: entity_id(),
            expected,
            found,
        });
    }
    Ok(())
}

//! Ledger entries: what one create, update or delete of a record leaves behind, how an
//! entry is hashed, and how the next entry is chained to the last.
//!
//! The entry hash is a length-prefixed binary encoding rather than canonical JSON: it needs
//! no allocation and no escaping rules, so the verifier's hot path is SHA-256 and nothing
//! else, and it is just as easy to re-implement. The layout is given in the crate docs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::hash::Hash;
use crate::merkle;

/// The domain-separation tag that starts every entry-hash input (20 ASCII bytes).
pub const ENTRY_HASH_TAG: &[u8; 20] = b"aims-ledger:entry:v1";

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, std::hash::Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The record was created: there is a new state and no previous one.
    Create,
    /// The record was changed: there are both states.
    Update,
    /// The record was deleted: there is a previous state and no new one.
    Delete,
}

impl Action {
    /// `create`, `update` or `delete`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    /// The byte that stands for the action in the entry-hash input.
    pub fn code(self) -> u8 {
        match self {
            Action::Create => 1,
            Action::Update => 2,
            Action::Delete => 3,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = EntryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "create" => Ok(Action::Create),
            "update" => Ok(Action::Update),
            "delete" => Ok(Action::Delete),
            other => Err(EntryError::UnknownAction(other.to_owned())),
        }
    }
}

/// One entry of the ledger.
///
/// Its JSON form (serde) has exactly these fields, hashes as 64 hex digits and absent
/// state hashes as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When, as RFC 3339 UTC with microseconds: `2025-01-31T09:30:00.123456Z`.
    pub time: String,
    /// Who, as the store names the actor.
    pub actor: String,
    /// What happened.
    pub action: Action,
    /// The kind of record, for example `ai_system`.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: String,
    /// SHA-256 of the RFC 8785 form of the record after the change; `None` for a delete.
    pub new_state_hash: Option<Hash>,
    /// SHA-256 of the RFC 8785 form of the record before the change; `None` for a create.
    pub prev_state_hash: Option<Hash>,
    /// The entry hash of entry `seq - 1`; 32 zero bytes for entry 1.
    pub prev_entry_hash: Hash,
    /// This entry's hash, as stored. [`Entry::compute_hash`] recomputes it from the content.
    pub entry_hash: Hash,
}

impl Entry {
    /// Recomputes the entry hash from the content (every field but `entry_hash`).
    ///
    /// Feeds SHA-256 field by field, so it allocates nothing.
    pub fn compute_hash(&self) -> Hash {
        self.change().hash(self.seq, &self.prev_entry_hash)
    }

    /// The content of the entry, borrowed.
    pub fn change(&self) -> ChangeRef<'_> {
        ChangeRef {
            time: &self.time,
            actor: &self.actor,
            action: self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            new_state_hash: self.new_state_hash,
            prev_state_hash: self.prev_state_hash,
        }
    }

    /// The Merkle leaf hash of this entry: `SHA-256(0x00 || entry_hash)`.
    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.entry_hash.0)
    }

    /// What the next entry chains to.
    pub fn tip(&self) -> ChainTip {
        ChainTip {
            seq: self.seq,
            entry_hash: self.entry_hash,
        }
    }

    /// Checks the rules an entry's content must follow beyond its hash: a valid time,
    /// non-empty actor and entity, and state hashes present exactly as the action says.
    pub fn check_shape(&self) -> Result<(), EntryError> {
        self.change().check_shape(self.seq)
    }
}

/// An entry's content without its place in the chain, borrowed: what is hashed besides
/// the seq and the previous entry's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeRef<'a> {
    /// RFC 3339 UTC with microseconds.
    pub time: &'a str,
    /// Who made the change.
    pub actor: &'a str,
    /// What happened.
    pub action: Action,
    /// The kind of record.
    pub entity_type: &'a str,
    /// The record's id.
    pub entity_id: &'a str,
    /// Hash of the new state; `None` for a delete.
    pub new_state_hash: Option<Hash>,
    /// Hash of the previous state; `None` for a create.
    pub prev_state_hash: Option<Hash>,
}

impl ChangeRef<'_> {
    /// The entry hash of this content at `seq`, chained to `prev_entry_hash`.
    pub fn hash(&self, seq: u64, prev_entry_hash: &Hash) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update(ENTRY_HASH_TAG);
        hasher.update(seq.to_be_bytes());
        update_str(&mut hasher, self.time);
        update_str(&mut hasher, self.actor);
        hasher.update([self.action.code()]);
        update_str(&mut hasher, self.entity_type);
        update_str(&mut hasher, self.entity_id);
        update_option(&mut hasher, self.new_state_hash.as_ref());
        update_option(&mut hasher, self.prev_state_hash.as_ref());
        hasher.update(prev_entry_hash.0);
        Hash(hasher.finalize().into())
    }

    /// Checks the content of an entry at `seq` as [`Entry::check_shape`] does.
    pub fn check_shape(&self, seq: u64) -> Result<(), EntryError> {
        if seq == 0 {
            return Err(EntryError::SeqZero);
        }
        if !is_valid_time(self.time) {
            return Err(EntryError::BadTime {
                seq,
                time: self.time.to_owned(),
            });
        }
        for (field, value) in [
            ("actor", self.actor),
            ("entity_type", self.entity_type),
            ("entity_id", self.entity_id),
        ] {
            if value.is_empty() {
                return Err(EntryError::EmptyField { seq, field });
            }
        }
        let expected = match self.action {
            Action::Create => (true, false),
            Action::Update => (true, true),
            Action::Delete => (false, true),
        };
        let found = (
            self.new_state_hash.is_some(),
            self.prev_state_hash.is_some(),
        );
        if expected != found {
            return Err(EntryError::StateHashes {
                seq,
                action: self.action,
            });
        }
        Ok(())
    }
}

/// Strings go in as their UTF-8 byte length (u64, big-endian) and then the bytes, so no
/// two different field lists can produce the same input.
fn update_str(hasher: &mut Sha256, text: &str) {
    hasher.update((text.len() as u64).to_be_bytes());
    hasher.update(text.as_bytes());
}

fn update_option(hasher: &mut Sha256, hash: Option<&Hash>) {
    match hash {
        None => hasher.update([0u8]),
        Some(hash) => {
            hasher.update([1u8]);
            hasher.update(hash.0);
        }
    }
}

/// The end of the chain: the seq and hash of the last entry, which the next entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainTip {
    /// Seq of the last entry; 0 for an empty log.
    pub seq: u64,
    /// Entry hash of the last entry; 32 zero bytes for an empty log.
    pub entry_hash: Hash,
}

impl ChainTip {
    /// The tip of an empty log.
    pub const GENESIS: ChainTip = ChainTip {
        seq: 0,
        entry_hash: Hash::ZERO,
    };

    /// Builds the entry that follows this tip, with its hash computed. The store calls
    /// this inside the transaction that writes the change, with the tip it read there.
    pub fn append(&self, change: Change) -> Result<Entry, EntryError> {
        let seq = self.seq.checked_add(1).ok_or(EntryError::SeqOverflow)?;
        let mut entry = Entry {
            seq,
            time: change.time,
            actor: change.actor,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: change.entity_id,
            new_state_hash: change.new_state_hash,
            prev_state_hash: change.prev_state_hash,
            prev_entry_hash: self.entry_hash,
            entry_hash: Hash::ZERO,
        };
        entry.check_shape()?;
        entry.entry_hash = entry.compute_hash();
        Ok(entry)
    }

    /// The tip after an entry of `change` follows this one: what [`ChainTip::append`]
    /// computes, without building the entry.
    pub fn next(&self, change: &ChangeRef<'_>) -> Result<ChainTip, EntryError> {
        let seq = self.seq.checked_add(1).ok_or(EntryError::SeqOverflow)?;
        change.check_shape(seq)?;
        Ok(ChainTip {
            seq,
            entry_hash: change.hash(seq, &self.entry_hash),
        })
    }
}

/// The content of a new entry, before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// RFC 3339 UTC with microseconds, as the store writes timestamps.
    pub time: String,
    /// Who made the change.
    pub actor: String,
    /// What happened.
    pub action: Action,
    /// The kind of record.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: String,
    /// [`crate::state_hash`] of the new state; `None` for a delete.
    pub new_state_hash: Option<Hash>,
    /// [`crate::state_hash`] of the previous state; `None` for a create.
    pub prev_state_hash: Option<Hash>,
}

/// An entry whose content breaks the format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    /// Seq 0 is never used; the first entry is 1.
    #[error("seq 0 is not a valid entry number; the first entry is 1")]
    SeqZero,
    /// The log already holds `u64::MAX` entries.
    #[error("the log is full: no seq follows {max}", max = u64::MAX)]
    SeqOverflow,
    /// The time is not `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    #[error(
        "entry {seq}: time {time:?} is not RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
    )]
    BadTime {
        /// The entry.
        seq: u64,
        /// The time found.
        time: String,
    },
    /// Actor, entity type or entity id is empty.
    #[error("entry {seq}: {field} is empty")]
    EmptyField {
        /// The entry.
        seq: u64,
        /// The field's name.
        field: &'static str,
    },
    /// State hashes do not match the action (a create has only a new state, an update
    /// both, a delete only a previous state).
    #[error(
        "entry {seq}: a {action} must have {}",
        match action {
            Action::Create => "a new-state hash and no previous-state hash",
            Action::Update => "both a new-state and a previous-state hash",
            Action::Delete => "a previous-state hash and no new-state hash",
        }
    )]
    StateHashes {
        /// The entry.
        seq: u64,
        /// Its action.
        action: Action,
    },
    /// Not `create`, `update` or `delete`.
    #[error("unknown action {0:?}; expected create, update or delete")]
    UnknownAction(String),
}

/// Whether `time` has the one form the store writes: `YYYY-MM-DDTHH:MM:SS.ffffffZ`
/// (RFC 3339, UTC, exactly six fractional digits), with plausible field ranges.
///
/// Only the form is checked, not the calendar (31 February passes): the hash covers the
/// bytes, and the form is what keeps two engines writing the same bytes.
pub fn is_valid_time(time: &str) -> bool {
    let b = time.as_bytes();
    if b.len() != 27 {
        return false;
    }
    let digits_at = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let number = |range: std::ops::Range<usize>| {
        b[range]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let separators = b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z';
    let all_digits = digits_at(0..4)
        && digits_at(5..7)
        && digits_at(8..10)
        && digits_at(11..13)
        && digits_at(14..16)
        && digits_at(17..19)
        && digits_at(20..26);
    separators
        && all_digits
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) <= 23
        && number(14..16) <= 59
        // 60 for a leap second, which RFC 3339 allows.
        && number(17..19) <= 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: Action) -> Change {
        Change {
            time: "2025-01-31T09:30:00.123456Z".into(),
            actor: "alice".into(),
            action,
            entity_type: "ai_system".into(),
            entity_id: "0b6f3c1e-0000-4000-8000-000000000001".into(),
            new_state_hash: (action != Action::Delete).then_some(Hash([1; 32])),
            prev_state_hash: (action != Action::Create).then_some(Hash([2; 32])),
        }
    }

    #[test]
    fn append_chains_and_hashes() {
        let first = ChainTip::GENESIS.append(change(Action::Create)).unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev_entry_hash, Hash::ZERO);
        assert_eq!(first.entry_hash, first.compute_hash());
        let second = first.tip().append(change(Action::Update)).unwrap();
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev_entry_hash, first.entry_hash);
        let third = second.tip().append(change(Action::Delete)).unwrap();
        assert_eq!(third.entry_hash, third.compute_hash());
    }

    /// `next` is `append` without the entry: same seq, same hash, same refusals.
    #[test]
    fn next_agrees_with_append() {
        let first = ChainTip::GENESIS.append(change(Action::Create)).unwrap();
        let update = change(Action::Update);
        let appended = first.tip().append(update.clone()).unwrap();
        let next = first
            .tip()
            .next(&ChangeRef {
                time: &update.time,
                actor: &update.actor,
                action: update.action,
                entity_type: &update.entity_type,
                entity_id: &update.entity_id,
                new_state_hash: update.new_state_hash,
                prev_state_hash: update.prev_state_hash,
            })
            .unwrap();
        assert_eq!(next, appended.tip());
        let mut bad = appended.clone();
        bad.time = "yesterday".into();
        assert_eq!(
            first.tip().next(&bad.change()),
            Err(EntryError::BadTime {
                seq: 2,
                time: "yesterday".into()
            })
        );
        let full = ChainTip {
            seq: u64::MAX,
            entry_hash: Hash::ZERO,
        };
        assert_eq!(full.next(&appended.change()), Err(EntryError::SeqOverflow));
    }

    /// Pins the entry-hash layout documented in the crate docs: an independent encoding of
    /// the same bytes must give the same hash.
    #[test]
    fn entry_hash_matches_the_documented_layout() {
        let entry = ChainTip::GENESIS.append(change(Action::Create)).unwrap();
        let mut input = Vec::new();
        input.extend_from_slice(b"aims-ledger:entry:v1");
        input.extend_from_slice(&1u64.to_be_bytes());
        for text in ["2025-01-31T09:30:00.123456Z", "alice"] {
            input.extend_from_slice(&(text.len() as u64).to_be_bytes());
            input.extend_from_slice(text.as_bytes());
        }
        input.push(1);
        for text in ["ai_system", "0b6f3c1e-0000-4000-8000-000000000001"] {
            input.extend_from_slice(&(text.len() as u64).to_be_bytes());
            input.extend_from_slice(text.as_bytes());
        }
        input.push(1);
        input.extend_from_slice(&[1; 32]);
        input.push(0);
        input.extend_from_slice(&[0; 32]);
        assert_eq!(entry.entry_hash, crate::hash::sha256(&input));
    }

    #[test]
    fn every_field_changes_the_hash() {
        let entry = ChainTip::GENESIS.append(change(Action::Update)).unwrap();
        let base = entry.compute_hash();
        let mut variants = Vec::new();
        let mut e = entry.clone();
        e.seq = 2;
        variants.push(e);
        let mut e = entry.clone();
        e.time.replace_range(25..26, "7");
        variants.push(e);
        let mut e = entry.clone();
        e.actor.push('x');
        variants.push(e);
        let mut e = entry.clone();
        e.action = Action::Create;
        variants.push(e);
        let mut e = entry.clone();
        e.entity_type.push('x');
        variants.push(e);
        let mut e = entry.clone();
        e.entity_id.push('x');
        variants.push(e);
        let mut e = entry.clone();
        e.new_state_hash = None;
        variants.push(e);
        let mut e = entry.clone();
        e.prev_state_hash = Some(Hash([3; 32]));
        variants.push(e);
        let mut e = entry.clone();
        e.prev_entry_hash = Hash([9; 32]);
        variants.push(e);
        // Moving a byte from one string field to the next must not collide.
        let mut e = entry.clone();
        e.actor = "alic".into();
        e.entity_type = format!("e{}", entry.entity_type);
        variants.push(e);
        for variant in variants {
            assert_ne!(variant.compute_hash(), base, "{variant:?}");
        }
    }

    #[test]
    fn shape_rules() {
        let mut bad = change(Action::Create);
        bad.prev_state_hash = Some(Hash::ZERO);
        assert_eq!(
            ChainTip::GENESIS.append(bad),
            Err(EntryError::StateHashes {
                seq: 1,
                action: Action::Create
            })
        );
        let mut bad = change(Action::Delete);
        bad.new_state_hash = Some(Hash::ZERO);
        assert!(matches!(
            ChainTip::GENESIS.append(bad),
            Err(EntryError::StateHashes { .. })
        ));
        let mut bad = change(Action::Update);
        bad.actor.clear();
        assert_eq!(
            ChainTip::GENESIS.append(bad),
            Err(EntryError::EmptyField {
                seq: 1,
                field: "actor"
            })
        );
        let tip = ChainTip {
            seq: u64::MAX,
            entry_hash: Hash::ZERO,
        };
        assert_eq!(
            tip.append(change(Action::Create)),
            Err(EntryError::SeqOverflow)
        );
    }

    #[test]
    fn time_form() {
        assert!(is_valid_time("2025-01-31T09:30:00.123456Z"));
        assert!(is_valid_time("2016-12-31T23:59:60.000000Z"));
        for bad in [
            "2025-01-31T09:30:00Z",
            "2025-01-31T09:30:00.123456+00:00",
            "2025-01-31 09:30:00.123456Z",
            "2025-13-31T09:30:00.123456Z",
            "2025-01-31T24:30:00.123456Z",
            "2025-01-31T09:30:00.12345aZ",
            "2025-01-31T09:30:00.123456z",
            "",
            "ééééééééééééé.",
        ] {
            assert!(!is_valid_time(bad), "{bad}");
        }
    }

    #[test]
    fn entry_json_shape() {
        let entry = ChainTip::GENESIS.append(change(Action::Create)).unwrap();
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(json["action"], "create");
        assert_eq!(json["prev_state_hash"], serde_json::Value::Null);
        assert_eq!(json["entry_hash"], entry.entry_hash.to_hex());
        let back: Entry = serde_json::from_value(json).unwrap();
        assert_eq!(back, entry);
        assert_eq!("delete".parse::<Action>(), Ok(Action::Delete));
        assert!("remove".parse::<Action>().is_err());
    }
}

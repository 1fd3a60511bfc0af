//! Ed25519 keys and signed tree heads: a statement, signed by the installation, that the
//! log had `tree_size` entries with Merkle root `root_hash` at `timestamp`. An auditor
//! holding only the public key can check a head offline, and with it any proof.
//!
//! Public keys travel as the raw 32-byte key in standard base64 (with padding); the key
//! id is the first 8 bytes of the SHA-256 of those 32 bytes, in hex. Both are shown in
//! the crate docs.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::entry::is_valid_time;
use crate::hash::{Hash, HexError, decode_hex_into, encode_hex, sha256};

/// The domain-separation tag that starts every tree-head signing input (24 ASCII bytes).
pub const TREE_HEAD_TAG: &[u8; 24] = b"aims-ledger:tree-head:v1";

/// A key that could not be made or read.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The operating system gave no randomness.
    #[error("the operating system's random number generator failed")]
    Randomness(#[source] getrandom::Error),
    /// The text is not standard base64.
    #[error("the key is not valid base64")]
    Base64(#[source] base64::DecodeError),
    /// The decoded key is not 32 bytes.
    #[error("an Ed25519 key is 32 bytes, this one is {0}")]
    Length(usize),
    /// 32 bytes that are not a valid Ed25519 public key.
    #[error("the bytes are not a valid Ed25519 public key")]
    InvalidPublicKey,
}

/// The installation's private signing key.
///
/// Its `Debug` output shows only the key id, so it cannot leak into logs; the bytes are
/// wiped when it is dropped (ed25519-dalek's `zeroize`).
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(KeyError::Randomness)?;
        let key = Self::from_seed(seed);
        // Best effort: the seed also lives on in the key, which wipes itself.
        seed.fill(0);
        Ok(key)
    }

    /// The key whose 32-byte secret seed is `seed` (RFC 8032 §5.1.5).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Reads a secret seed written by [`SigningKey::to_base64`].
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let seed = decode_key_bytes(text)?;
        Ok(Self::from_seed(seed))
    }

    /// The 32-byte secret seed in standard base64, for the installation's key file.
    /// This is the secret: store it as such.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.to_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs a tree head. Fails only when the head's timestamp is not in the ledger's
    /// time form, since a verifier would then refuse it.
    pub fn sign(&self, head: &TreeHead) -> Result<SignedTreeHead, TreeHeadError> {
        if !is_valid_time(&head.timestamp) {
            return Err(TreeHeadError::BadTimestamp(head.timestamp.clone()));
        }
        let signature = self.0.sign(&head.signing_input());
        Ok(SignedTreeHead {
            tree_size: head.tree_size,
            root_hash: head.root_hash,
            timestamp: head.timestamp.clone(),
            key_id: self.public_key().key_id(),
            signature: signature.to_bytes(),
        })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(key_id={})", self.public_key().key_id())
    }
}

fn decode_key_bytes(text: &str) -> Result<[u8; 32], KeyError> {
    let bytes = BASE64.decode(text.trim()).map_err(KeyError::Base64)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::Length(bytes.len()))
}

/// The public half of the signing key: all an auditor needs.
///
/// Its text form (`Display`, `FromStr`, serde) is the raw 32 bytes in standard base64.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// The key from its raw 32 bytes (RFC 8032 encoding).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| KeyError::InvalidPublicKey)
    }

    /// The raw 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The raw 32 bytes in standard base64 (44 characters).
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.as_bytes())
    }

    /// Reads the key from standard base64 of its 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&decode_key_bytes(text)?)
    }

    /// First 8 bytes of SHA-256 of the raw key.
    pub fn key_id(&self) -> KeyId {
        let digest = sha256(self.0.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest.0[..8]);
        KeyId(id)
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_base64(text)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<PublicKey>::new(
            "an Ed25519 public key as base64 of 32 bytes",
        ))
    }
}

/// Names a public key in a signed tree head, so that a verifier holding several keys (after
/// a rotation) knows which one to use, and one holding the wrong key is told so.
///
/// Its text form is 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, std::hash::Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_hex(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = HexError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut id = [0u8; 8];
        decode_hex_into(text, &mut id)?;
        Ok(KeyId(id))
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<KeyId>::new("a key id as 16 hex digits"))
    }
}

/// Deserialises any `FromStr` type from a JSON string.
struct FromStrVisitor<T> {
    expecting: &'static str,
    marker: std::marker::PhantomData<T>,
}

impl<T> FromStrVisitor<T> {
    fn new(expecting: &'static str) -> Self {
        Self {
            expecting,
            marker: std::marker::PhantomData,
        }
    }
}

impl<T> Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

/// What a tree head states: the log's size and Merkle root at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeHead {
    /// Number of entries covered (entries 1..=tree_size).
    pub tree_size: u64,
    /// Merkle root over their entry hashes.
    pub root_hash: Hash,
    /// When the head was made, in the ledger's time form (RFC 3339 UTC, microseconds).
    pub timestamp: String,
}

impl TreeHead {
    /// The bytes that are signed:
    /// `TREE_HEAD_TAG || u64be(tree_size) || root_hash || u64be(len(timestamp)) || timestamp`.
    pub fn signing_input(&self) -> Vec<u8> {
        let mut input = Vec::with_capacity(24 + 8 + 32 + 8 + self.timestamp.len());
        input.extend_from_slice(TREE_HEAD_TAG);
        input.extend_from_slice(&self.tree_size.to_be_bytes());
        input.extend_from_slice(&self.root_hash.0);
        input.extend_from_slice(&(self.timestamp.len() as u64).to_be_bytes());
        input.extend_from_slice(self.timestamp.as_bytes());
        input
    }
}

/// A tree head with the key id and Ed25519 signature that vouch for it; what
/// `aims ledger checkpoint` writes to a file.
///
/// JSON: `{"tree_size": u64, "root_hash": hex, "timestamp": text, "key_id": hex,
/// "signature": base64}`; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTreeHead {
    /// Number of entries covered.
    pub tree_size: u64,
    /// Merkle root over their entry hashes.
    pub root_hash: Hash,
    /// When the head was made.
    pub timestamp: String,
    /// Which key signed it.
    pub key_id: KeyId,
    /// The 64-byte Ed25519 signature over [`TreeHead::signing_input`], in base64.
    #[serde(with = "signature_base64")]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// The statement, without checking the signature: for display only.
    pub fn unverified_head(&self) -> TreeHead {
        TreeHead {
            tree_size: self.tree_size,
            root_hash: self.root_hash,
            timestamp: self.timestamp.clone(),
        }
    }

    /// Checks the key id and the signature (strict RFC 8032 verification, which refuses
    /// malleable signatures and weak keys) and returns the statement it vouches for.
    pub fn verify(&self, key: &PublicKey) -> Result<TreeHead, TreeHeadError> {
        let expected = key.key_id();
        if self.key_id != expected {
            return Err(TreeHeadError::WrongKey {
                head: self.key_id,
                key: expected,
            });
        }
        if !is_valid_time(&self.timestamp) {
            return Err(TreeHeadError::BadTimestamp(self.timestamp.clone()));
        }
        let head = self.unverified_head();
        let signature = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.0
            .verify_strict(&head.signing_input(), &signature)
            .map_err(|_| TreeHeadError::BadSignature {
                tree_size: self.tree_size,
                key_id: self.key_id,
            })?;
        Ok(head)
    }

    /// Pretty JSON, as written to a checkpoint file.
    pub fn to_json(&self) -> String {
        // Serialising this struct cannot fail: no maps with non-string keys, no floats.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a checkpoint file's JSON. The signature is not checked: call
    /// [`SignedTreeHead::verify`].
    pub fn from_json(text: &str) -> Result<Self, TreeHeadError> {
        serde_json::from_str(text).map_err(TreeHeadError::Json)
    }
}

/// A tree head that cannot be signed, read or trusted.
#[derive(Debug, Error)]
pub enum TreeHeadError {
    /// The file is not a tree head's JSON.
    #[error("not a signed tree head: {0}")]
    Json(#[source] serde_json::Error),
    /// The timestamp is not in the ledger's time form.
    #[error("tree head timestamp {0:?} is not RFC 3339 UTC with microseconds")]
    BadTimestamp(String),
    /// The head names a different key than the one given.
    #[error("the tree head was signed by key {head}, not by the given key {key}")]
    WrongKey {
        /// Key id in the head.
        head: KeyId,
        /// Key id of the key given.
        key: KeyId,
    },
    /// The signature does not match the head's content.
    #[error(
        "the signature of the tree head of size {tree_size} (key {key_id}) is not valid: the head was altered or not signed by this key"
    )]
    BadSignature {
        /// The head's claimed size.
        tree_size: u64,
        /// The head's key id.
        key_id: KeyId,
    },
}

mod signature_base64 {
    //! serde for a 64-byte signature as standard base64.

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(bytes: &[u8; 64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 64], D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = BASE64
            .decode(text.as_bytes())
            .map_err(|e| de::Error::custom(format!("signature is not base64: {e}")))?;
        <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| {
            de::Error::custom(format!(
                "an Ed25519 signature is 64 bytes, this one is {}",
                bytes.len()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> TreeHead {
        TreeHead {
            tree_size: 42,
            root_hash: sha256(b"root"),
            timestamp: "2025-06-01T12:00:00.000000Z".into(),
        }
    }

    #[test]
    fn sign_verify_and_json_round_trip() {
        let key = SigningKey::generate().unwrap();
        let public = key.public_key();
        let sth = key.sign(&head()).unwrap();
        assert_eq!(sth.verify(&public).unwrap(), head());
        let json = sth.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["tree_size"], 42);
        assert_eq!(value["key_id"], public.key_id().to_string());
        assert_eq!(value["signature"].as_str().unwrap().len(), 88);
        let back = SignedTreeHead::from_json(&json).unwrap();
        assert_eq!(back, sth);
        back.verify(&public).unwrap();
    }

    /// Pins the signing input documented in the crate docs: an auditor who builds the bytes
    /// by hand and checks with a plain Ed25519 library must accept the signature.
    #[test]
    fn signature_is_over_the_documented_bytes() {
        let key = SigningKey::from_seed([4; 32]);
        let sth = key.sign(&head()).unwrap();
        let mut input = Vec::new();
        input.extend_from_slice(b"aims-ledger:tree-head:v1");
        input.extend_from_slice(&42u64.to_be_bytes());
        input.extend_from_slice(&sha256(b"root").0);
        input.extend_from_slice(&27u64.to_be_bytes());
        input.extend_from_slice(b"2025-06-01T12:00:00.000000Z");
        let public = ed25519_dalek::VerifyingKey::from_bytes(&key.public_key().to_bytes()).unwrap();
        public
            .verify_strict(
                &input,
                &ed25519_dalek::Signature::from_bytes(&sth.signature),
            )
            .unwrap();
    }

    #[test]
    fn altered_heads_and_wrong_keys_fail() {
        let key = SigningKey::from_seed([7; 32]);
        let public = key.public_key();
        let sth = key.sign(&head()).unwrap();

        let mut altered = sth.clone();
        altered.tree_size = 41;
        assert!(matches!(
            altered.verify(&public),
            Err(TreeHeadError::BadSignature { tree_size: 41, .. })
        ));
        let mut altered = sth.clone();
        altered.root_hash = sha256(b"other");
        assert!(altered.verify(&public).is_err());
        let mut altered = sth.clone();
        altered.timestamp = "2025-06-01T12:00:00.000001Z".into();
        assert!(altered.verify(&public).is_err());
        let mut altered = sth.clone();
        altered.signature[0] ^= 1;
        assert!(altered.verify(&public).is_err());

        let other = SigningKey::from_seed([8; 32]).public_key();
        assert!(matches!(
            sth.verify(&other),
            Err(TreeHeadError::WrongKey { .. })
        ));
        // Same key id forged onto another key's head still fails on the signature.
        let mut forged = SigningKey::from_seed([8; 32]).sign(&head()).unwrap();
        forged.key_id = public.key_id();
        assert!(matches!(
            forged.verify(&public),
            Err(TreeHeadError::BadSignature { .. })
        ));
    }

    #[test]
    fn keys_round_trip_through_base64() {
        let key = SigningKey::from_seed([3; 32]);
        let again = SigningKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let public = key.public_key();
        assert_eq!(public.to_base64().len(), 44);
        assert_eq!(PublicKey::from_base64(&public.to_base64()).unwrap(), public);
        assert_eq!(public.to_string().parse::<PublicKey>().unwrap(), public);
        let id = public.key_id();
        assert_eq!(id.to_string().len(), 16);
        assert_eq!(id.to_string().parse::<KeyId>().unwrap(), id);
        assert_eq!(&id.0, &sha256(&public.to_bytes()).0[..8]);
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(matches!(
            PublicKey::from_base64("not base64!"),
            Err(KeyError::Base64(_))
        ));
        assert!(matches!(
            PublicKey::from_base64("AAAA"),
            Err(KeyError::Length(3))
        ));
        for text in [
            "",
            "{}",
            "[]",
            r#"{"tree_size": -1, "root_hash": "00", "timestamp": "", "key_id": "", "signature": ""}"#,
            r#"{"tree_size": 1, "root_hash": "0000000000000000000000000000000000000000000000000000000000000000", "timestamp": "2025-06-01T12:00:00.000000Z", "key_id": "0000000000000000", "signature": "AAAA"}"#,
            r#"{"tree_size": 1, "root_hash": "0000000000000000000000000000000000000000000000000000000000000000", "timestamp": "2025-06-01T12:00:00.000000Z", "key_id": "0000000000000000", "signature": "AAAA", "extra": 1}"#,
        ] {
            assert!(SignedTreeHead::from_json(text).is_err(), "{text}");
        }
        let key = SigningKey::from_seed([1; 32]);
        let mut bad = head();
        bad.timestamp = "yesterday".into();
        assert!(matches!(
            key.sign(&bad),
            Err(TreeHeadError::BadTimestamp(_))
        ));
    }
}

//! The 32-byte SHA-256 value that every part of the ledger is built from, and its one text
//! form: 64 lowercase hexadecimal digits.
//!
//! Hex is written by hand here: it is a dozen lines, and a dependency for it would cost
//! more compile time than it saves.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// A SHA-256 value: an entry hash, a state hash, a Merkle node or a tree root.
///
/// Its text form (in `Display`, `FromStr` and serde) is 64 hexadecimal digits, written in
/// lowercase; either case is accepted when parsed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, std::hash::Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// 32 zero bytes: the previous-entry hash of the first entry.
    pub const ZERO: Hash = Hash([0; 32]);

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    /// The 64 lowercase hex digits, written into `out` instead of a new string.
    pub fn hex_in<'a>(&self, out: &'a mut [u8; 64]) -> &'a str {
        for (pair, byte) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        // Every byte written is an ASCII hex digit.
        std::str::from_utf8(out).unwrap_or_default()
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(text: &str) -> Result<Hash, HexError> {
        let mut bytes = [0u8; 32];
        decode_hex_into(text, &mut bytes)?;
        Ok(Hash(bytes))
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hash(")?;
        write_hex(f, &self.0)?;
        f.write_str(")")
    }
}

impl FromStr for Hash {
    type Err = HexError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Hash::from_hex(text)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Formatting into a stack buffer keeps serialisation of large proofs allocation-free.
        let mut buf = [0u8; 64];
        hex_into(&self.0, &mut buf);
        // Only ASCII hex digits were written, so this cannot fail; fall back to the slow
        // path rather than assert it.
        match std::str::from_utf8(&buf) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => serializer.serialize_str(&self.to_hex()),
        }
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HashVisitor;
        impl Visitor<'_> for HashVisitor {
            type Value = Hash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SHA-256 hash as 64 hex digits")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Hash, E> {
                Hash::from_hex(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(HashVisitor)
    }
}

/// A hex string that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HexError {
    /// The text has the wrong number of digits for the value.
    #[error("expected {expected} hex digits, found {found} characters")]
    Length {
        /// Digits expected.
        expected: usize,
        /// Characters found.
        found: usize,
    },
    /// A character that is not a hex digit.
    #[error("invalid hex digit {character:?} at position {position}")]
    Digit {
        /// The offending character.
        character: char,
        /// Its byte position, from 0.
        position: usize,
    },
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

fn hex_into(bytes: &[u8], out: &mut [u8]) {
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for byte in bytes {
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}

/// Hex digits (either case, an even number of them) as the bytes they stand for.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, HexError> {
    if !text.len().is_multiple_of(2) {
        return Err(HexError::Length {
            expected: text.len() + 1,
            found: text.chars().count(),
        });
    }
    let mut out = vec![0; text.len() / 2];
    decode_hex_into(text, &mut out)?;
    Ok(out)
}

/// Lowercase hex of any byte string.
pub fn encode_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Decodes exactly `out.len()` bytes of hex (either case) into `out`.
pub(crate) fn decode_hex_into(text: &str, out: &mut [u8]) -> Result<(), HexError> {
    let expected = out.len() * 2;
    if text.len() != expected {
        return Err(HexError::Length {
            expected,
            found: text.chars().count(),
        });
    }
    // Verification decodes three hashes per entry, so the digits go through a table and
    // a bad one is looked for only once the whole text has failed.
    let raw = text.as_bytes();
    let mut bad = 0u8;
    for (slot, pair) in out.iter_mut().zip(raw.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUE[usize::from(pair[0])],
            HEX_VALUE[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *slot = (hi << 4) | (lo & 0x0f);
    }
    if bad & INVALID == 0 {
        return Ok(());
    }
    let position = raw
        .iter()
        .position(|&b| HEX_VALUE[usize::from(b)] == INVALID)
        .unwrap_or(0);
    Err(HexError::Digit {
        // The text may hold multi-byte characters; name the one starting here.
        character: text
            .get(position..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        position,
    })
}

/// Marks a byte that is no hex digit in `HEX_VALUE`.
const INVALID: u8 = 0x80;

/// The value of each byte as a hex digit, or `INVALID`.
const HEX_VALUE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_accepts_upper_case() {
        let hash = sha256(b"");
        assert_eq!(
            hash.to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Hash::from_hex(&hash.to_hex().to_uppercase()), Ok(hash));
        assert_eq!(hash.to_string(), hash.to_hex());
        assert_eq!(hash.hex_in(&mut [0; 64]), hash.to_hex());
        assert_eq!(decode_hex("00fFa1"), Ok(vec![0, 255, 161]));
        assert_eq!(encode_hex(&[0, 255, 161]), "00ffa1");
        assert!(decode_hex("abc").is_err());
        assert!(decode_hex("zz").is_err());
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{}\"", hash.to_hex()));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), hash);
    }

    #[test]
    fn bad_hex_is_an_error_not_a_panic() {
        assert_eq!(
            Hash::from_hex("abc"),
            Err(HexError::Length {
                expected: 64,
                found: 3
            })
        );
        let mut text = "0".repeat(63);
        text.push('g');
        assert!(matches!(
            Hash::from_hex(&text),
            Err(HexError::Digit {
                character: 'g',
                position: 63
            })
        ));
        // A multi-byte character whose byte length happens to make 64 bytes.
        let text = format!("é{}", "0".repeat(62));
        assert!(matches!(Hash::from_hex(&text), Err(HexError::Digit { .. })));
        assert!(serde_json::from_str::<Hash>("12").is_err());
        for byte in (0u8..128).filter(|b| !b.is_ascii_hexdigit()) {
            let text = format!("{}{}{}", "a".repeat(10), char::from(byte), "F".repeat(53));
            assert_eq!(
                Hash::from_hex(&text),
                Err(HexError::Digit {
                    character: char::from(byte),
                    position: 10
                }),
                "{byte}"
            );
        }
    }
}

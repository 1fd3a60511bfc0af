//! The Merkle tree of RFC 6962 §2.1 over the entries' hashes: tree hashes, inclusion
//! (audit) paths and consistency proofs, their verification (RFC 9162 §2.1.3.2 and
//! §2.1.4.2), and an incremental tree that keeps only O(log n) hashes.
//!
//! Everything here works on *leaf hashes* (`SHA-256(0x00 || leaf)`); for the ledger a
//! leaf is the 32-byte entry hash. Proof building walks the leaf hashes it is given and
//! hashes O(n) nodes per proof, with O(log n) memory; the store can keep interior nodes
//! later if proofs over very large logs become frequent.

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::hash::{Hash, sha256};

/// `SHA-256(0x00 || leaf)`: the hash of one leaf (RFC 6962 §2.1).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(leaf);
    Hash(hasher.finalize().into())
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The hash of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    sha256(b"")
}

/// MTH: the root of the tree over `leaf_hashes`, in O(n) time and O(log n) memory.
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    let mut tree = CompactTree::new();
    for leaf in leaf_hashes {
        // A slice cannot hold 2^64 hashes, so the tree cannot be full.
        let _ = tree.push(*leaf);
    }
    tree.root()
}

/// A proof that cannot be built or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    /// A leaf index at or past the end of the tree.
    #[error("leaf index {index} is outside a tree of {tree_size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree's size.
        tree_size: u64,
    },
    /// A consistency proof asked between a larger first tree and a smaller second one.
    #[error(
        "cannot prove consistency from a tree of {first_size} leaves to a smaller one of {second_size}"
    )]
    SizesOutOfOrder {
        /// The first (older) tree's size.
        first_size: u64,
        /// The second (newer) tree's size.
        second_size: u64,
    },
    /// The proof holds too few or too many hashes for the sizes it claims.
    #[error("the proof holds {len} hashes, the wrong number for these tree sizes")]
    WrongLength {
        /// Hashes in the proof.
        len: usize,
    },
    /// The proof leads to a different root than the one it was checked against.
    #[error("the proof leads to root {computed}, not to the expected root {expected}")]
    RootMismatch {
        /// The root the proof was checked against.
        expected: Hash,
        /// The root the proof leads to.
        computed: Hash,
    },
    /// A consistency proof whose reconstruction of the older root fails.
    #[error("the proof does not lead to the first tree's root {expected} (it leads to {computed})")]
    FirstRootMismatch {
        /// The first tree's root as given.
        expected: Hash,
        /// The root the proof leads to.
        computed: Hash,
    },
    /// A proof for a tree of a different size than the tree head it is checked against.
    #[error("the proof is for a tree of {proof_size} leaves but the tree head covers {head_size}")]
    TreeSizeMismatch {
        /// The size the proof names.
        proof_size: u64,
        /// The size the tree head names.
        head_size: u64,
    },
    /// The incremental tree already holds `u64::MAX` leaves.
    #[error("the tree is full")]
    TreeFull,
    /// Hashes given for an incremental tree do not fit its size.
    #[error("a tree of {size} leaves has {expected} subtree roots, not {found}")]
    BadCompactRange {
        /// The size given.
        size: u64,
        /// Subtree roots such a size has (its number of one bits).
        expected: u32,
        /// Subtree roots given.
        found: usize,
    },
}

/// The largest power of two smaller than `n` (for n ≥ 2): RFC 6962's split point.
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1usize << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The inclusion proof (audit path, RFC 6962 §2.1.1) of leaf `index` in the tree over
/// `leaf_hashes`, from the leaf upwards.
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let tree_size = leaf_hashes.len() as u64;
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    // index < len ≤ usize::MAX, so the conversion is exact.
    let mut m = index as usize;
    // PATH(m, D[n]) is PATH of a subtree followed by the sibling's MTH; walk down from the
    // root recording the siblings, then reverse so the proof reads leaf-to-root.
    let mut proof = Vec::new();
    let mut range = leaf_hashes;
    while range.len() > 1 {
        let k = split(range.len());
        if m < k {
            proof.push(root(&range[k..]));
            range = &range[..k];
        } else {
            proof.push(root(&range[..k]));
            range = &range[k..];
            m -= k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof (RFC 6962 §2.1.2) from the tree over the first `first_size` of
/// `leaf_hashes` to the tree over all of them. Empty when `first_size` is 0 or equal to
/// the number of leaves.
pub fn consistency_proof(leaf_hashes: &[Hash], first_size: u64) -> Result<Vec<Hash>, ProofError> {
    let second_size = leaf_hashes.len() as u64;
    if first_size > second_size {
        return Err(ProofError::SizesOutOfOrder {
            first_size,
            second_size,
        });
    }
    if first_size == 0 || first_size == second_size {
        return Ok(Vec::new());
    }
    let mut m = first_size as usize;
    // SUBPROOF(m, D[n], b), unrolled: each step appends one sibling MTH; the recursion's
    // results come out root-first, so reverse at the end.
    let mut proof = Vec::new();
    let mut range = leaf_hashes;
    let mut whole_old_tree = true; // RFC 6962's `b`
    loop {
        if m == range.len() {
            if !whole_old_tree {
                proof.push(root(range));
            }
            break;
        }
        let k = split(range.len());
        if m <= k {
            proof.push(root(&range[k..]));
            range = &range[..k];
        } else {
            proof.push(root(&range[..k]));
            range = &range[k..];
            m -= k;
            whole_old_tree = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `tree_size` leaves whose root
/// is `root`, given its audit path (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    let computed = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            expected: *root,
            computed,
        });
    }
    Ok(())
}

/// The root an audit path leads to; `index < tree_size` is checked by the caller.
fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    let wrong_length = ProofError::WrongLength { len: proof.len() };
    let mut f_n = index;
    let mut s_n = tree_size - 1;
    let mut r = *leaf_hash;
    for p in proof {
        if s_n == 0 {
            return Err(wrong_length);
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                // A right edge with no sibling: skip the levels where this node was
                // carried up unchanged.
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// Verifies that the tree of `second_size` leaves with root `second_root` extends the tree
/// of `first_size` leaves with root `first_root`, given a consistency proof (RFC 9162
/// §2.1.4.2). Equal sizes need equal roots and an empty proof; a first size of 0 needs
/// the empty root and an empty proof.
pub fn verify_consistency(
    first_size: u64,
    second_size: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first_size > second_size {
        return Err(ProofError::SizesOutOfOrder {
            first_size,
            second_size,
        });
    }
    let wrong_length = ProofError::WrongLength { len: proof.len() };
    if first_size == second_size || first_size == 0 {
        if !proof.is_empty() {
            return Err(wrong_length);
        }
        let expected_first = if first_size == 0 {
            empty_root()
        } else {
            *second_root
        };
        if *first_root != expected_first {
            return Err(ProofError::FirstRootMismatch {
                expected: *first_root,
                computed: expected_first,
            });
        }
        return Ok(());
    }
    let Some((first_element, rest)) = proof.split_first() else {
        return Err(wrong_length);
    };
    // When the first tree is a complete subtree its root is the proof's implicit first
    // element (RFC 9162 step 2).
    let (start, rest) = if first_size.is_power_of_two() {
        (*first_root, proof)
    } else {
        (*first_element, rest)
    };
    let mut f_n = first_size - 1;
    let mut s_n = second_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = start;
    let mut s_r = start;
    for c in rest {
        if s_n == 0 {
            return Err(wrong_length);
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(wrong_length);
    }
    if f_r != *first_root {
        return Err(ProofError::FirstRootMismatch {
            expected: *first_root,
            computed: f_r,
        });
    }
    if s_r != *second_root {
        return Err(ProofError::RootMismatch {
            expected: *second_root,
            computed: s_r,
        });
    }
    Ok(())
}

/// An append-only Merkle tree that keeps only the roots of its maximal complete subtrees
/// (a "compact range" from 0): at most 64 hashes, whatever its size. Appending costs one
/// leaf-hash input plus, amortised, one node hash; the root costs O(log n) node hashes.
///
/// The store can persist [`CompactTree::size`] and [`CompactTree::subtree_roots`] and
/// rebuild the tree with [`CompactTree::from_parts`] instead of replaying the log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactTree {
    size: u64,
    /// Roots of the complete subtrees, largest (leftmost) first; one per one bit of `size`.
    subtrees: Vec<Hash>,
}

impl CompactTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self {
            size: 0,
            subtrees: Vec::with_capacity(64),
        }
    }

    /// Rebuilds a tree from its size and subtree roots (as returned by
    /// [`CompactTree::subtree_roots`]).
    pub fn from_parts(size: u64, subtree_roots: Vec<Hash>) -> Result<Self, ProofError> {
        let expected = size.count_ones();
        if subtree_roots.len() != expected as usize {
            return Err(ProofError::BadCompactRange {
                size,
                expected,
                found: subtree_roots.len(),
            });
        }
        Ok(Self {
            size,
            subtrees: subtree_roots,
        })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the maximal complete subtrees, leftmost (largest) first.
    pub fn subtree_roots(&self) -> &[Hash] {
        &self.subtrees
    }

    /// Appends a leaf given its leaf hash (`SHA-256(0x00 || leaf)`); returns the new size.
    pub fn push(&mut self, leaf_hash: Hash) -> Result<u64, ProofError> {
        let new_size = self.size.checked_add(1).ok_or(ProofError::TreeFull)?;
        // Each trailing one bit of the old size is a complete subtree of the same height as
        // the node being carried up: merge them, as in binary addition.
        let mut carried = leaf_hash;
        let mut bits = self.size;
        while bits & 1 == 1 {
            let Some(left) = self.subtrees.pop() else {
                // Unreachable while `subtrees` matches `size`, which `from_parts` checks.
                return Err(ProofError::BadCompactRange {
                    size: self.size,
                    expected: self.size.count_ones(),
                    found: self.subtrees.len(),
                });
            };
            carried = node_hash(&left, &carried);
            bits >>= 1;
        }
        self.subtrees.push(carried);
        self.size = new_size;
        Ok(new_size)
    }

    /// Appends a leaf given its data (hashed with the 0x00 prefix); returns the new size.
    pub fn push_leaf(&mut self, leaf: &[u8]) -> Result<u64, ProofError> {
        self.push(leaf_hash(leaf))
    }

    /// The current root (MTH of all leaves so far).
    pub fn root(&self) -> Hash {
        // MTH splits at the largest power of two below n, which is exactly the leftmost
        // complete subtree; the right part splits the same way. So the root is a fold of
        // the subtree roots from the right.
        let mut iter = self.subtrees.iter().rev();
        let Some(last) = iter.next() else {
            return empty_root();
        };
        iter.fold(*last, |right, left| node_hash(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of the RFC 6962 reference tests (Certificate Transparency, Trillian).
    fn reference_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|hex| {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            leaf_hash(&bytes)
        })
        .collect()
    }

    fn h(hex: &str) -> Hash {
        Hash::from_hex(hex).unwrap()
    }

    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn reference_roots() {
        let leaves = reference_leaves();
        assert_eq!(
            root(&[]),
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        let mut tree = CompactTree::new();
        for (n, expected) in ROOTS.iter().enumerate() {
            assert_eq!(root(&leaves[..=n]), h(expected), "size {}", n + 1);
            tree.push(leaves[n]).unwrap();
            assert_eq!(tree.root(), h(expected), "incremental, size {}", n + 1);
        }
    }

    #[test]
    fn reference_inclusion_proofs() {
        let leaves = reference_leaves();
        let root8 = h(ROOTS[7]);
        let cases: [(u64, [&str; 3]); 2] = [
            (
                0,
                [
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                [
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (index, path) in cases {
            let expected: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            let proof = inclusion_proof(&leaves, index).unwrap();
            assert_eq!(proof, expected, "leaf {index}");
            verify_inclusion(&leaves[index as usize], index, 8, &proof, &root8).unwrap();
        }
    }

    #[test]
    fn reference_consistency_proofs() {
        let leaves = reference_leaves();
        let cases: [(u64, u64, &[&str]); 3] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (m, n, path) in cases {
            let expected: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            let proof = consistency_proof(&leaves[..n as usize], m).unwrap();
            assert_eq!(proof, expected, "{m} -> {n}");
            let first = root(&leaves[..m as usize]);
            let second = root(&leaves[..n as usize]);
            verify_consistency(m, n, &first, &second, &proof).unwrap();
        }
    }

    #[test]
    fn degenerate_sizes() {
        let leaves = reference_leaves();
        let r = root(&leaves);
        assert_eq!(consistency_proof(&leaves, 8).unwrap(), Vec::<Hash>::new());
        verify_consistency(8, 8, &r, &r, &[]).unwrap();
        assert!(verify_consistency(8, 8, &r, &r, &[r]).is_err());
        assert!(verify_consistency(8, 8, &leaves[0], &r, &[]).is_err());
        verify_consistency(0, 8, &empty_root(), &r, &[]).unwrap();
        assert!(verify_consistency(0, 8, &r, &r, &[]).is_err());
        assert!(verify_consistency(9, 8, &r, &r, &[]).is_err());
        assert!(verify_consistency(3, 8, &r, &r, &[]).is_err());
        assert_eq!(
            consistency_proof(&leaves, 9),
            Err(ProofError::SizesOutOfOrder {
                first_size: 9,
                second_size: 8
            })
        );
        assert_eq!(
            inclusion_proof(&leaves, 8),
            Err(ProofError::IndexOutOfRange {
                index: 8,
                tree_size: 8
            })
        );
        assert!(verify_inclusion(&leaves[0], 8, 8, &[], &r).is_err());
        assert!(verify_inclusion(&leaves[0], 0, 0, &[], &r).is_err());
        // One leaf: empty path, the leaf hash is the root.
        verify_inclusion(&leaves[0], 0, 1, &[], &leaves[0]).unwrap();
        // Huge sizes from a file do not overflow.
        assert!(verify_inclusion(&leaves[0], u64::MAX - 1, u64::MAX, &[r; 64], &r).is_err());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &r, &r, &[r; 70]).is_err());
        assert!(verify_consistency(1, u64::MAX, &r, &r, &[]).is_err());
    }

    #[test]
    fn compact_tree_round_trips_through_its_parts() {
        let leaves = reference_leaves();
        let mut tree = CompactTree::new();
        for leaf in &leaves[..7] {
            tree.push(*leaf).unwrap();
        }
        let rebuilt = CompactTree::from_parts(tree.size(), tree.subtree_roots().to_vec()).unwrap();
        assert_eq!(rebuilt, tree);
        assert!(CompactTree::from_parts(7, vec![leaves[0]]).is_err());
        let mut full = CompactTree::from_parts(u64::MAX, vec![leaves[0]; 64]).unwrap();
        assert_eq!(full.push(leaves[0]), Err(ProofError::TreeFull));
    }
}

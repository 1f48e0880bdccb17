//! The trie against `alloy_trie::HashBuilder` (roots), `alloy_trie::proof::verify_proof`
//! (proofs) and the Ethereum consensus tests' secure-trie vectors.

use alloy_primitives::{B256, Bytes, U256, b256, hex, keccak256};
use alloy_trie::{
    HashBuilder, Nibbles, TrieMask,
    nodes::{BranchNode, LeafNode, RlpNode},
    proof::verify_proof,
};
use proptest::{collection::vec, prelude::*, sample::Index};
use std::collections::{BTreeMap, HashMap};
use tephra_trie::{EMPTY_ROOT_HASH, Trie, TrieCommit, TrieError, proof};

type Store = HashMap<B256, Vec<u8>>;
type Model = BTreeMap<B256, Vec<u8>>;

/// The root `HashBuilder` computes from scratch over `model`.
fn reference_root(model: &Model) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in model {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Checks the shape of a commit (every node keyed by its hash, only the root may be short) and
/// writes its nodes to `store`.
fn persist(store: &mut Store, commit: TrieCommit) {
    for (hash, rlp) in commit.nodes {
        assert_eq!(keccak256(&rlp), hash, "node stored under its hash");
        assert!(
            rlp.len() >= 32 || hash == commit.root,
            "short non-root node {}",
            hex::encode(&rlp)
        );
        store.insert(hash, rlp);
    }
}

/// A trie over an owned store holding `model`, committed.
fn committed(model: &Model) -> (Trie<Store>, B256) {
    let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
    for (key, value) in model {
        trie.insert(*key, value.clone()).unwrap();
    }
    let commit = trie.commit().unwrap();
    let root = commit.root;
    persist(trie.store_mut(), commit);
    (trie, root)
}

fn account_keys(n: u64) -> Model {
    (1..=n).map(|i| (keccak256(U256::from(i).to_be_bytes::<32>()), vec![i as u8 + 1; 40])).collect()
}

fn check_proof(store: &Store, root: B256, key: &B256, expected: Option<&Vec<u8>>) -> Vec<Bytes> {
    let nodes = proof(store, root, key).unwrap();
    verify_proof(root, Nibbles::unpack(key), expected.cloned(), &nodes)
        .unwrap_or_else(|e| panic!("proof of {key} at {root}: {e}"));
    nodes
}

#[test]
fn empty_trie_has_the_ethereum_empty_root() {
    // keccak256(rlp("")), the root of every empty trie in Ethereum.
    let empty = b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    assert_eq!(EMPTY_ROOT_HASH, empty);
    assert_eq!(keccak256([0x80]), empty);

    let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
    assert_eq!(trie.commit().unwrap(), TrieCommit { root: empty, nodes: vec![] });
    assert_eq!(trie.get(&B256::ZERO).unwrap(), None);
    assert!(check_proof(trie.store(), empty, &B256::ZERO, None).is_empty());

    // Emptied again after holding keys.
    trie.insert(B256::ZERO, vec![1]).unwrap();
    trie.insert(B256::repeat_byte(1), vec![2]).unwrap();
    assert_ne!(trie.commit().unwrap().root, empty);
    trie.remove(&B256::ZERO).unwrap();
    trie.remove(&B256::repeat_byte(1)).unwrap();
    assert_eq!(trie.commit().unwrap().root, empty);
}

#[test]
fn small_fixed_case_matches_hash_builder() {
    // keys keccak256(1..=3) as 32-byte big-endian words, short values (all leaves hashed).
    let model = account_keys(3);
    let (trie, root) = committed(&model);
    assert_eq!(root, reference_root(&model));
    for (key, value) in &model {
        assert_eq!(trie.get(key).unwrap().as_ref(), Some(value));
        check_proof(trie.store(), root, key, Some(value));
    }
}

/// Ethereum consensus tests, `TrieTests/hex_encoded_securetrie_test.json` (see
/// `testdata/README.md`): Yellow Paper appendix D with keys hashed by keccak256 ("secure trie"),
/// inserted in file order and in reverse order.
#[test]
fn secure_trie_vectors_from_ethereum_tests() {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("../testdata/hex_encoded_securetrie_test.json")).unwrap();
    let tests = json.as_object().unwrap();
    assert_eq!(tests.len(), 2);
    for (name, test) in tests {
        let expected: B256 = test["root"].as_str().unwrap().parse().unwrap();
        let entries: Vec<(B256, Vec<u8>)> = test["in"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (keccak256(hex::decode(k).unwrap()), hex::decode(v.as_str().unwrap()).unwrap())
            })
            .collect();
        for order in [entries.clone(), entries.iter().rev().cloned().collect()] {
            let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
            for (key, value) in order {
                trie.insert(key, value).unwrap();
            }
            assert_eq!(trie.commit().unwrap().root, expected, "{name}");
        }
    }
}

#[test]
fn old_roots_stay_readable() {
    let mut model = account_keys(200);
    let (mut trie, first_root) = committed(&model);
    let first_model = model.clone();

    let mut history = vec![(first_root, first_model)];
    for round in 0..5u8 {
        for (i, key) in model.keys().copied().collect::<Vec<_>>().into_iter().enumerate() {
            match (i + usize::from(round)) % 7 {
                0 => {
                    trie.remove(&key).unwrap();
                    model.remove(&key);
                }
                1 | 2 => {
                    trie.insert(key, vec![round; 50]).unwrap();
                    model.insert(key, vec![round; 50]);
                }
                _ => {}
            }
        }
        let commit = trie.commit().unwrap();
        let root = commit.root;
        assert_eq!(root, reference_root(&model));
        persist(trie.store_mut(), commit);
        history.push((root, model.clone()));
    }

    let store = trie.store();
    let all_keys = account_keys(200);
    for (root, model) in &history {
        let old = Trie::new(store, *root);
        for key in all_keys.keys() {
            assert_eq!(old.get(key).unwrap().as_ref(), model.get(key));
            check_proof(store, *root, key, model.get(key));
        }
    }
}

#[test]
fn missing_node_is_an_error_not_a_panic() {
    let model = account_keys(50);
    let (trie, root) = committed(&model);
    let key = *model.keys().next().unwrap();

    // The root itself is missing.
    let empty = Store::new();
    let mut trie_without_root = Trie::new(&empty, root);
    assert!(matches!(trie_without_root.get(&key), Err(TrieError::MissingNode(h)) if h == root));
    assert!(
        matches!(trie_without_root.insert(key, vec![1]), Err(TrieError::MissingNode(h)) if h == root)
    );
    assert!(matches!(trie_without_root.remove(&key), Err(TrieError::MissingNode(h)) if h == root));
    assert!(matches!(proof(&empty, root, &key), Err(TrieError::MissingNode(h)) if h == root));

    // A node below the root is missing: reads, writes and proofs through it fail, and the
    // failed write leaves the trie as it was.
    let mut store = trie.into_store();
    let leaf_proof = proof(&store, root, &key).unwrap();
    let lost = keccak256(leaf_proof.last().unwrap());
    store.remove(&lost);
    let mut reopened = Trie::new(&store, root);
    assert!(matches!(reopened.get(&key), Err(TrieError::MissingNode(h)) if h == lost));
    assert!(matches!(reopened.insert(key, vec![9]), Err(TrieError::MissingNode(h)) if h == lost));
    assert!(matches!(reopened.remove(&key), Err(TrieError::MissingNode(h)) if h == lost));
    assert!(matches!(proof(&store, root, &key), Err(TrieError::MissingNode(h)) if h == lost));
    assert_eq!(reopened.commit().unwrap(), TrieCommit { root, nodes: vec![] });
    // Other keys are still readable.
    let other = model.keys().find(|k| proof(&store, root, k).is_ok()).unwrap();
    assert_eq!(reopened.get(other).unwrap().as_ref(), model.get(other));
}

#[test]
fn removal_that_collapses_onto_a_missing_sibling_changes_nothing() {
    // Two keys under one branch: removing one moves the other up, which needs its node.
    let a = B256::repeat_byte(0x11);
    let b = B256::repeat_byte(0x22);
    let model = Model::from([(a, vec![1; 40]), (b, vec![2; 40])]);
    let (trie, root) = committed(&model);
    let mut store = trie.into_store();
    let b_leaf = keccak256(proof(&store, root, &b).unwrap().last().unwrap());
    store.remove(&b_leaf);

    let mut trie = Trie::new(&store, root);
    assert!(matches!(trie.remove(&a), Err(TrieError::MissingNode(h)) if h == b_leaf));
    assert_eq!(trie.get(&a).unwrap(), Some(vec![1; 40]));
    assert_eq!(trie.commit().unwrap(), TrieCommit { root, nodes: vec![] });
}

#[test]
fn corrupt_node_is_an_error() {
    let model = account_keys(20);
    let (trie, root) = committed(&model);
    let key = *model.keys().next().unwrap();
    let mut store = trie.into_store();
    let good = store[&root].clone();

    // Not RLP, a truncated node, a leaf whose key ends short of 32 bytes, a branch of one child.
    let short_leaf = LeafNode::new(Nibbles::unpack([0x20; 31]), vec![1]);
    let lone_child = BranchNode::new(vec![RlpNode::word_rlp(&root)], TrieMask::new(1));
    for bad in [
        vec![0xff, 0x00],
        good[..good.len() - 1].to_vec(),
        alloy_rlp::encode(short_leaf),
        alloy_rlp::encode(lone_child),
    ] {
        store.insert(root, bad.clone());
        let trie = Trie::new(&store, root);
        let err = trie.get(&key).unwrap_err();
        assert!(
            matches!(err, TrieError::CorruptNode { hash, .. } if hash == root),
            "{bad:x?}: {err}"
        );
        assert!(matches!(proof(&store, root, &key), Err(TrieError::CorruptNode { .. })));
    }
}

#[test]
fn unchanged_values_make_an_empty_commit() {
    let model = account_keys(30);
    let (trie, root) = committed(&model);
    let mut trie = Trie::new(trie.into_store(), root);
    for (key, value) in &model {
        trie.insert(*key, value.clone()).unwrap();
    }
    trie.remove(&B256::ZERO).unwrap();
    assert_eq!(trie.commit().unwrap(), TrieCommit { root, nodes: vec![] });
}

#[test]
fn empty_value_removes_the_key() {
    let model = account_keys(10);
    let (mut trie, _) = committed(&model);
    let mut smaller = model;
    let (key, _) = smaller.pop_first().unwrap();
    trie.insert(key, vec![]).unwrap();
    assert_eq!(trie.get(&key).unwrap(), None);
    assert_eq!(trie.commit().unwrap().root, reference_root(&smaller));
}

#[test]
fn update_matches_single_changes() {
    let model = account_keys(100);
    let (trie, root) = committed(&model);
    let store = trie.into_store();
    let changes: Vec<(B256, Option<Vec<u8>>)> = model
        .keys()
        .enumerate()
        .map(|(i, k)| (*k, (i % 3 != 0).then(|| vec![i as u8; 1 + i % 60])))
        .chain([(B256::repeat_byte(7), Some(vec![7])), (B256::repeat_byte(8), None)])
        .collect();

    let mut batch = Trie::new(&store, root);
    batch.update(changes.clone()).unwrap();
    let mut single = Trie::new(&store, root);
    let mut expected = model;
    for (key, value) in changes.into_iter().rev() {
        match value {
            Some(value) => {
                expected.insert(key, value.clone());
                single.insert(key, value).unwrap();
            }
            None => {
                expected.remove(&key);
                single.remove(&key).unwrap();
            }
        }
    }
    let root = batch.commit().unwrap().root;
    assert_eq!(root, single.commit().unwrap().root);
    assert_eq!(root, reference_root(&expected));
}

/// A large update (walked in parallel below the root) that leaves the root branch with one
/// child, then none: the trie stays canonical.
#[test]
fn large_update_collapses_the_root() {
    let model = account_keys(200);
    let (trie, root) = committed(&model);
    let store = trie.into_store();
    let keep = *model.keys().next().unwrap();
    let mut trie = Trie::new(&store, root);
    trie.update(model.keys().filter(|k| **k != keep).map(|k| (*k, None))).unwrap();
    let expected: Model =
        model.iter().filter(|(k, _)| **k == keep).map(|(k, v)| (*k, v.clone())).collect();
    assert_eq!(trie.commit().unwrap().root, reference_root(&expected));
    assert_eq!(trie.get(&keep).unwrap(), model.get(&keep).cloned());

    let mut trie = Trie::new(&store, root);
    trie.update(model.keys().map(|k| (*k, Some(vec![])))).unwrap();
    assert_eq!(trie.commit().unwrap().root, EMPTY_ROOT_HASH);
}

/// Keys that share all but their last nibbles leave leaves, and whole branches, shorter than
/// 32 bytes, which must be embedded in their parent, not stored.
#[test]
fn short_nodes_are_embedded() {
    let base = B256::repeat_byte(0xab);
    let mut model = Model::new();
    for last in (0u8..40).chain([0xf0, 0xf1]) {
        let mut key = base;
        key.0[31] = last;
        model.insert(key, vec![last % 0x80 + 1]);
    }
    let (trie, root) = committed(&model);
    assert_eq!(root, reference_root(&model));
    // Stored: the root extension over 62 nibbles, the branch on nibble 62, and its branches on
    // nibble 63 for 0x0_, 0x1_, 0x2_ (16, 16 and 8 leaves of 3 bytes: over 32 bytes). The
    // 0xf_ branch of two leaves is 22 bytes, embedded in its parent, and so is every leaf.
    assert_eq!(trie.store().len(), 5);
    for (key, value) in &model {
        check_proof(trie.store(), root, key, Some(value));
    }
    for last in [0x2f, 0xf2, 0x80] {
        let mut absent = base;
        absent.0[31] = last;
        check_proof(trie.store(), root, &absent, None);
    }
}

#[test]
fn every_single_bit_flip_of_a_proof_is_refused() {
    let model = account_keys(300);
    let (trie, root) = committed(&model);
    let present = *model.keys().nth(17).unwrap();
    let absent = keccak256(b"absent");
    for (key, expected) in [(present, model.get(&present)), (absent, None)] {
        let nodes = check_proof(trie.store(), root, &key, expected);
        assert!(nodes.len() >= 2);
        for node in 0..nodes.len() {
            for bit in 0..nodes[node].len() * 8 {
                let mut forged = nodes.clone();
                let mut bytes = forged[node].to_vec();
                bytes[bit / 8] ^= 1 << (bit % 8);
                forged[node] = bytes.into();
                assert!(
                    verify_proof(root, Nibbles::unpack(key), expected.cloned(), &forged).is_err(),
                    "flip of bit {bit} of node {node} accepted"
                );
            }
        }
        // Dropping the last node, or claiming another value, is refused too.
        assert!(
            verify_proof(root, Nibbles::unpack(key), expected.cloned(), &nodes[..nodes.len() - 1])
                .is_err()
        );
        let other = Some(expected.map_or_else(|| vec![1], |v| [v.as_slice(), &[0]].concat()));
        assert!(verify_proof(root, Nibbles::unpack(key), other, &nodes).is_err());
    }
}

/// A key pool mixing random keys with keys that copy another key and change one nibble, so
/// that keys part at every depth, down to the last nibble (short embedded nodes).
fn key_pool() -> impl Strategy<Value = Vec<B256>> {
    (vec(any::<[u8; 32]>(), 1..8), vec((any::<Index>(), 0usize..64, 1u8..16), 0..24)).prop_map(
        |(random, variants)| {
            let mut keys: Vec<B256> = random.into_iter().map(B256::from).collect();
            for (base, nibble, delta) in variants {
                let mut key = *base.get(&keys);
                let shift = if nibble % 2 == 0 { 4 } else { 0 };
                let old = (key.0[nibble / 2] >> shift) & 0x0f;
                let new = (old + delta) & 0x0f;
                key.0[nibble / 2] = (key.0[nibble / 2] & !(0x0f << shift)) | (new << shift);
                keys.push(key);
            }
            keys.sort();
            keys.dedup();
            keys
        },
    )
}

/// `Some(value)` sets (an empty value removes), `None` removes.
fn change() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        4 => vec(any::<u8>(), 1..4).prop_map(Some),
        3 => vec(any::<u8>(), 30..90).prop_map(Some),
        2 => Just(None),
        1 => Just(Some(vec![])),
    ]
}

#[derive(Debug, Clone)]
struct Round {
    changes: Vec<(Index, Option<Vec<u8>>)>,
    batched: bool,
    reopen: bool,
}

fn rounds() -> impl Strategy<Value = Vec<Round>> {
    vec(
        // Up to 96 changes: batches of 64 or more take the parallel path of `update`.
        (vec((any::<Index>(), change()), 0..96), any::<bool>(), any::<bool>())
            .prop_map(|(changes, batched, reopen)| Round { changes, batched, reopen }),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_hash_builder_and_proves_every_key(
        keys in key_pool(),
        rounds in rounds(),
        flips in vec((any::<Index>(), any::<Index>()), 64),
    ) {
        let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
        let mut model = Model::new();
        let mut history = vec![(EMPTY_ROOT_HASH, Model::new())];
        for round in rounds {
            let changes: Vec<(B256, Option<Vec<u8>>)> =
                round.changes.iter().map(|(i, v)| (*i.get(&keys), v.clone())).collect();
            for (key, value) in &changes {
                match value {
                    Some(value) if !value.is_empty() => model.insert(*key, value.clone()),
                    _ => model.remove(key),
                };
            }
            if round.batched {
                trie.update(changes).unwrap();
            } else {
                for (key, value) in changes {
                    match value {
                        Some(value) => trie.insert(key, value).unwrap(),
                        None => trie.remove(&key).unwrap(),
                    }
                }
            }
            // Reads see uncommitted changes.
            for key in &keys {
                prop_assert_eq!(trie.get(key).unwrap(), model.get(key).cloned());
            }
            let commit = trie.commit().unwrap();
            let root = commit.root;
            prop_assert_eq!(root, reference_root(&model));
            persist(trie.store_mut(), commit);
            history.push((root, model.clone()));
            if round.reopen {
                trie = Trie::new(trie.into_store(), root);
            }
        }

        let store = trie.store();
        for (root, model) in &history {
            let at_root = Trie::new(store, *root);
            for key in &keys {
                prop_assert_eq!(at_root.get(key).unwrap(), model.get(key).cloned());
                check_proof(store, *root, key, model.get(key));
            }
        }

        // Any single flipped bit of the latest proofs is refused.
        let (root, model) = history.last().unwrap();
        for (key, (node, bit)) in keys.iter().zip(&flips) {
            let mut nodes = proof(store, *root, key).unwrap();
            if nodes.is_empty() {
                continue;
            }
            let node = node.index(nodes.len());
            let mut bytes = nodes[node].to_vec();
            let bit = bit.index(bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
            nodes[node] = bytes.into();
            prop_assert!(
                verify_proof(*root, Nibbles::unpack(key), model.get(key).cloned(), &nodes).is_err()
            );
        }
    }
}

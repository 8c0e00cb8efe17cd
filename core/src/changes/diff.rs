//! The change set between two result lists, by object identity.
//!
//! Objects are matched by primary key (row key for a class without one) through hash maps, so a
//! diff costs O(n) plus O(m log m) for the m objects present in both lists (the longest
//! increasing subsequence that decides which of them stayed in place).

use std::collections::HashMap;

use super::ChangeSet;
use crate::value::PrimaryKey;

/// The change set that turns `old` into `new`. `modified` says whether an object present in
/// both changed (itself or through its links).
///
/// An object present in both whose position relative to the others changed (a sort key
/// changed) is a deletion at its old index and an insertion at its new one, never also a
/// modification. Which objects count as moved is minimal: the objects that keep their
/// relative order form a longest increasing subsequence of old positions.
pub(crate) fn diff(
    old: &[PrimaryKey],
    new: &[PrimaryKey],
    modified: impl Fn(&PrimaryKey) -> bool,
) -> ChangeSet {
    let mut changes = ChangeSet::default();
    if old == new {
        // The common case of a commit that only modified objects: no maps needed.
        changes.modifications = (0..new.len())
            .filter(|&j| modified(&new[j]))
            .map(index)
            .collect();
        return changes;
    }
    let old_pos: HashMap<&PrimaryKey, usize> =
        old.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let mut still_there = vec![false; old.len()];
    // (new index, old index) of the objects in both lists, in new order.
    let mut kept = Vec::new();
    for (j, key) in new.iter().enumerate() {
        match old_pos.get(key) {
            Some(&i) => {
                still_there[i] = true;
                kept.push((j, i, key));
            }
            None => changes.insertions.push(index(j)),
        }
    }
    for (i, there) in still_there.iter().enumerate() {
        if !there {
            changes.deletions.push(index(i));
        }
    }
    let old_indices: Vec<usize> = kept.iter().map(|&(_, i, _)| i).collect();
    let stays = longest_increasing(&old_indices);
    for (n, &(j, i, key)) in kept.iter().enumerate() {
        if !stays[n] {
            changes.deletions.push(index(i));
            changes.insertions.push(index(j));
        } else if modified(key) {
            changes.modifications.push(index(j));
        }
    }
    changes.deletions.sort_unstable();
    changes.insertions.sort_unstable();
    changes
}

fn index(i: usize) -> u64 {
    // usize is at most 64 bits on every supported target.
    u64::try_from(i).unwrap_or(u64::MAX)
}

/// Marks the members of one longest strictly increasing subsequence of `seq` (patience
/// sorting, O(n log n)).
fn longest_increasing(seq: &[usize]) -> Vec<bool> {
    // tails[k]: the position in `seq` of the smallest tail of an increasing run of length k+1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for (pos, &value) in seq.iter().enumerate() {
        let k = tails.partition_point(|&t| seq[t] < value);
        prev[pos] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(pos);
        } else {
            tails[k] = pos;
        }
    }
    let mut member = vec![false; seq.len()];
    let mut at = tails.last().copied();
    while let Some(pos) = at {
        member[pos] = true;
        at = prev[pos];
    }
    member
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use proptest::prelude::*;

    use super::*;

    fn keys(ids: &[i64]) -> Vec<PrimaryKey> {
        ids.iter().map(|&i| PrimaryKey::Int(i)).collect()
    }

    fn no_change(_: &PrimaryKey) -> bool {
        false
    }

    #[test]
    fn identical_lists_have_no_changes() {
        let a = keys(&[1, 2, 3]);
        assert!(diff(&a, &a, no_change).is_empty());
    }

    #[test]
    fn insertions_and_deletions_use_new_and_old_indices() {
        let changes = diff(&keys(&[1, 2, 3, 4]), &keys(&[5, 1, 3, 6]), no_change);
        assert_eq!(changes.deletions, vec![1, 3]);
        assert_eq!(changes.insertions, vec![0, 3]);
        assert!(changes.modifications.is_empty());
    }

    #[test]
    fn modifications_use_new_indices() {
        let changes = diff(&keys(&[1, 2, 3]), &keys(&[0, 1, 2, 3]), |k| {
            *k == PrimaryKey::Int(2)
        });
        assert_eq!(changes.insertions, vec![0]);
        assert_eq!(changes.modifications, vec![2]);
    }

    #[test]
    fn a_move_is_one_deletion_and_one_insertion() {
        // 4 moved from the end to the front: only it moves, not the three others.
        let changes = diff(&keys(&[1, 2, 3, 4]), &keys(&[4, 1, 2, 3]), |_| true);
        assert_eq!(changes.deletions, vec![3]);
        assert_eq!(changes.insertions, vec![0]);
        // The others were modified; the moved one is not also reported as modified.
        assert_eq!(changes.modifications, vec![1, 2, 3]);
    }

    #[test]
    fn longest_increasing_subsequence_is_longest() {
        let marked = longest_increasing(&[3, 0, 1, 4, 2, 5]);
        let chosen: Vec<usize> = [3, 0, 1, 4, 2, 5]
            .iter()
            .zip(&marked)
            .filter(|(_, m)| **m)
            .map(|(v, _)| *v)
            .collect();
        assert_eq!(chosen.len(), 4);
        assert!(chosen.windows(2).all(|w| w[0] < w[1]));
    }

    /// Applies a change set the way a list view does: deletions (old indices, from the back),
    /// then insertions (new indices, from the front) taking the objects from `new`.
    fn apply(old: &[PrimaryKey], new: &[PrimaryKey], changes: &ChangeSet) -> Vec<PrimaryKey> {
        let mut out = old.to_vec();
        for &d in changes.deletions.iter().rev() {
            out.remove(usize::try_from(d).unwrap());
        }
        for &i in &changes.insertions {
            let i = usize::try_from(i).unwrap();
            out.insert(i, new[i].clone());
        }
        out
    }

    proptest! {
        #[test]
        fn applying_the_change_set_gives_the_new_list(
            old in proptest::sample::subsequence((0..40i64).collect::<Vec<_>>(), 0..40)
                .prop_shuffle(),
            new in proptest::sample::subsequence((0..40i64).collect::<Vec<_>>(), 0..40)
                .prop_shuffle(),
            changed in proptest::collection::hash_set(0..40i64, 0..10),
        ) {
            let (old, new) = (keys(&old), keys(&new));
            let changes = diff(&old, &new, |k| matches!(k, PrimaryKey::Int(i) if changed.contains(i)));
            prop_assert_eq!(apply(&old, &new, &changes), new.clone());
            // Every index is in range and listed once.
            for list in [&changes.deletions, &changes.insertions, &changes.modifications] {
                prop_assert!(list.windows(2).all(|w| w[0] < w[1]));
            }
            prop_assert!(changes.deletions.iter().all(|&d| (d as usize) < old.len()));
            prop_assert!(changes.insertions.iter().all(|&i| (i as usize) < new.len()));
            // Modifications are objects present in both lists that changed and did not move.
            for &m in &changes.modifications {
                let key = &new[m as usize];
                prop_assert!(old.contains(key));
                prop_assert!(!changes.insertions.contains(&m));
                prop_assert!(matches!(key, PrimaryKey::Int(i) if changed.contains(i)));
            }
        }
    }
}

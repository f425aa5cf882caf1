//! Read caches keyed by per-area data versions.
//!
//! Every audited write bumps, in its own transaction, the version of each area of data it touched
//! (`orewatch_domain::DataArea`; `orewatch_storage::versions`). A cached value records the versions of
//! the areas it depends on; while they are unchanged, the value is current, in this process or any
//! other sharing the database. A login or an acknowledgement touches no area the county picture depends
//! on, so it no longer throws the picture away. A value is kept with the versions read *before* it was
//! loaded: if a change commits while it loads, the value may be newer than its tag, never older, and the
//! next reader (seeing the new versions) loads again. Values depending on the clock (people online,
//! delayed logins) are never cached.

use orewatch_domain::DataArea;
use orewatch_storage::versions::Versions;
use std::sync::{Arc, RwLock};

/// Every area: for values that change with any audited write (the latest changes).
pub const ALL_AREAS: &[DataArea] = &[
    DataArea::Organisation,
    DataArea::Accounts,
    DataArea::Registry,
    DataArea::Credit,
    DataArea::Sharing,
    DataArea::Ledger,
    DataArea::Inspections,
    DataArea::Enforcement,
];

/// One cached value with the versions of the areas it depends on.
#[derive(Debug)]
pub struct Versioned<T> {
    areas: &'static [DataArea],
    slot: RwLock<Option<(Vec<i64>, Arc<T>)>>,
}

impl<T> Versioned<T> {
    pub fn new(areas: &'static [DataArea]) -> Self {
        Self {
            areas,
            slot: RwLock::new(None),
        }
    }

    fn key(&self, versions: &Versions) -> Vec<i64> {
        self.areas.iter().map(|a| versions.get(*a)).collect()
    }

    /// The value cached at exactly these versions of its areas, if any.
    pub fn get(&self, versions: &Versions) -> Option<Arc<T>> {
        let key = self.key(versions);
        let slot = self.slot.read().ok()?;
        match &*slot {
            Some((cached, value)) if *cached == key => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value` as loaded at `versions`, unless a value of later versions is already kept.
    pub fn put(&self, versions: &Versions, value: Arc<T>) {
        let key = self.key(versions);
        if let Ok(mut slot) = self.slot.write() {
            let newer_kept = slot
                .as_ref()
                .is_some_and(|(cached, _)| cached.iter().zip(&key).any(|(c, k)| c > k));
            if !newer_kept {
                *slot = Some((key, value));
            }
        }
    }
}

/// The versions a [`VersionedMap`] holds values of, the values by key, and their total weight.
type Slot<K, V> = (Vec<i64>, std::collections::HashMap<K, Arc<V>>, usize);

/// Values by key (one per mine, say), all valid at the same versions of their areas: a change in an
/// area empties the map. Each value is put with its weight (about its size in bytes); past `capacity`
/// in all, the map starts again, so memory stays bounded whatever the values hold.
#[derive(Debug)]
pub struct VersionedMap<K, V> {
    areas: &'static [DataArea],
    capacity: usize,
    slot: std::sync::Mutex<Slot<K, V>>,
}

impl<K: std::hash::Hash + Eq, V> VersionedMap<K, V> {
    pub fn new(areas: &'static [DataArea], capacity: usize) -> Self {
        Self {
            areas,
            capacity,
            slot: std::sync::Mutex::new((Vec::new(), std::collections::HashMap::new(), 0)),
        }
    }

    fn key(&self, versions: &Versions) -> Vec<i64> {
        self.areas.iter().map(|a| versions.get(*a)).collect()
    }

    /// The value for `k` at exactly these versions, if kept.
    pub fn get(&self, versions: &Versions, k: &K) -> Option<Arc<V>> {
        let key = self.key(versions);
        let slot = self.slot.lock().ok()?;
        (slot.0 == key).then(|| slot.1.get(k).cloned()).flatten()
    }

    /// Keeps `value` (of `weight`) for `k` as loaded at `versions`; values of other versions are
    /// dropped, unless they are newer (then this one is not kept).
    pub fn put(&self, versions: &Versions, k: K, value: Arc<V>, weight: usize) {
        let key = self.key(versions);
        if let Ok(mut slot) = self.slot.lock() {
            if slot.0 != key {
                if slot.0.iter().zip(&key).any(|(kept, new)| kept > new) {
                    return;
                }
                *slot = (key, std::collections::HashMap::new(), 0);
            }
            if slot.2 + weight > self.capacity {
                slot.1.clear();
                slot.2 = 0;
            }
            slot.1.insert(k, value);
            slot.2 += weight;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(organisation: i64, registry: i64) -> Versions {
        let mut v = Versions::default();
        v.0[DataArea::Organisation.index()] = organisation;
        v.0[DataArea::Registry.index()] = registry;
        v
    }

    #[test]
    fn a_keyed_value_is_served_only_at_its_own_versions_and_the_map_is_bounded() {
        let map: VersionedMap<i64, &str> = VersionedMap::new(&[DataArea::Registry], 2);
        map.put(&versions(1, 1), 7, Arc::new("seven"), 1);
        assert_eq!(
            map.get(&versions(9, 1), &7).as_deref(),
            Some(&"seven"),
            "another area changed"
        );
        assert!(map.get(&versions(1, 2), &7).is_none(), "the registry changed");
        map.put(&versions(1, 2), 8, Arc::new("eight"), 1);
        assert!(
            map.get(&versions(1, 2), &7).is_none(),
            "the older value was dropped"
        );
        map.put(&versions(1, 1), 7, Arc::new("stale"), 1);
        assert!(
            map.get(&versions(1, 1), &7).is_none(),
            "an older load is not kept over a newer"
        );
        map.put(&versions(1, 2), 9, Arc::new("nine"), 1);
        map.put(&versions(1, 2), 10, Arc::new("ten"), 1);
        assert!(
            map.get(&versions(1, 2), &8).is_none(),
            "past its capacity the map starts again"
        );
        assert_eq!(map.get(&versions(1, 2), &10).as_deref(), Some(&"ten"));
    }

    #[test]
    fn a_value_is_served_only_at_its_own_versions() {
        let cache = Versioned::new(&[DataArea::Registry]);
        assert!(cache.get(&versions(0, 1)).is_none());
        cache.put(&versions(0, 1), Arc::new("one"));
        assert_eq!(cache.get(&versions(0, 1)).as_deref(), Some(&"one"));
        assert!(cache.get(&versions(0, 2)).is_none());
    }

    #[test]
    fn a_change_in_another_area_keeps_the_value() {
        let cache = Versioned::new(&[DataArea::Registry]);
        cache.put(&versions(1, 5), Arc::new("county"));
        // A login or a filing bumps nothing or another area: the county picture stays.
        assert_eq!(cache.get(&versions(9, 5)).as_deref(), Some(&"county"));
    }

    #[test]
    fn a_late_loader_never_replaces_a_newer_value() {
        let cache = Versioned::new(&[DataArea::Registry]);
        cache.put(&versions(0, 5), Arc::new("five"));
        cache.put(&versions(0, 4), Arc::new("four"));
        assert_eq!(cache.get(&versions(0, 5)).as_deref(), Some(&"five"));
        cache.put(&versions(0, 6), Arc::new("six"));
        assert_eq!(cache.get(&versions(0, 6)).as_deref(), Some(&"six"));
    }
}

//! Read caches keyed by the data version.
//!
//! Every change in Orewatch writes its audit row in the same transaction (see [`crate`]), and each
//! audit row advances the chain head. The head's sequence number is therefore a version of *all* data:
//! while it is unchanged, nothing has changed, in this process or any other sharing the database.
//! A cached value is kept with the version read *before* it was loaded; if a change commits while it
//! loads, the value may be newer than its tag, never older, and the next reader (seeing the new head)
//! loads again. Values depending on the clock (people online, locked accounts) are never cached.

use std::sync::{Arc, RwLock};

/// The data version: the audit chain head's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DataVersion(pub i64);

/// One cached value with the version it was loaded at.
#[derive(Debug)]
pub struct Versioned<T> {
    slot: RwLock<Option<(DataVersion, Arc<T>)>>,
}

impl<T> Default for Versioned<T> {
    fn default() -> Self {
        Self {
            slot: RwLock::new(None),
        }
    }
}

impl<T> Versioned<T> {
    /// The value cached at exactly `version`, if any.
    pub fn get(&self, version: DataVersion) -> Option<Arc<T>> {
        let slot = self.slot.read().ok()?;
        match &*slot {
            Some((cached, value)) if *cached == version => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value` as loaded at `version`, unless a value of a later version is already kept.
    pub fn put(&self, version: DataVersion, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.write() {
            if slot.as_ref().is_none_or(|(cached, _)| *cached <= version) {
                *slot = Some((version, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_only_at_its_own_version() {
        let cache = Versioned::default();
        assert!(cache.get(DataVersion(1)).is_none());
        cache.put(DataVersion(1), Arc::new("one"));
        assert_eq!(cache.get(DataVersion(1)).as_deref(), Some(&"one"));
        assert!(cache.get(DataVersion(2)).is_none());
        assert!(cache.get(DataVersion(0)).is_none());
    }

    #[test]
    fn a_late_loader_never_replaces_a_newer_value() {
        let cache = Versioned::default();
        cache.put(DataVersion(5), Arc::new("five"));
        cache.put(DataVersion(4), Arc::new("four"));
        assert_eq!(cache.get(DataVersion(5)).as_deref(), Some(&"five"));
        cache.put(DataVersion(6), Arc::new("six"));
        assert_eq!(cache.get(DataVersion(6)).as_deref(), Some(&"six"));
    }
}

//! Password hashing with Argon2id (RFC 9106), stored as PHC strings.

use crate::{AppError, Result};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    /// OWASP's first recommended setting: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashCost {
    /// The cheapest allowed cost, for tests only.
    pub fn for_tests() -> Self {
        Self {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Hasher {
    argon: Argon2<'static>,
    /// A hash of a random password, verified when the username is unknown so that the answer takes
    /// as long as for a known one.
    dummy: String,
}

impl Hasher {
    pub(crate) fn new(cost: &HashCost) -> Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| AppError::Hashing(e.into()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut hasher = Self {
            argon,
            dummy: String::new(),
        };
        hasher.dummy = hasher.hash(&crate::auth::random_token())?;
        Ok(hasher)
    }

    pub(crate) fn hash(&self, password: &str) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(AppError::Hashing)
    }

    /// Whether `password` matches the PHC string `stored` (any Argon2 variant and cost).
    pub(crate) fn verify(&self, stored: &str, password: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(parsed) => self.argon.verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    pub(crate) fn verify_dummy(&self, password: &str) {
        let _ = self.verify(&self.dummy, password);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hasher = Hasher::new(&HashCost::for_tests()).unwrap();
        let hash = hasher.hash("矿山2026abc").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify(&hash, "矿山2026abc"));
        assert!(!hasher.verify(&hash, "矿山2026abd"));
        assert!(!hasher.verify("not a hash", "x"));
    }

    #[test]
    fn the_same_password_gets_different_salts() {
        let hasher = Hasher::new(&HashCost::for_tests()).unwrap();
        assert_ne!(hasher.hash("abcd1234").unwrap(), hasher.hash("abcd1234").unwrap());
    }
}

//! Each distribution's declared licence, as the lock records it.

use super::UvLock;

impl UvLock {
    /// The licence that `name` `version`'s metadata declares, where the lock records it.
    // Stand-in until the lock records licences (the "closure" branch): no lock says one yet.
    pub fn license(&self, _name: &str, _version: &str) -> Option<&str> {
        None
    }
}

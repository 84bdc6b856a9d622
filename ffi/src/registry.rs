//! Live handles.
//!
//! A handle the host holds is a token, not the address of anything: the
//! library looks each one up here before using it and never dereferences
//! it. So a NULL, closed, freed or forged handle is refused with
//! `CLIENTELE_INVALID_HANDLE` instead of being read, and since tokens are
//! never reused in a process, a stale handle cannot reach an object opened
//! later. The objects are `Arc`s: a call clones its object out of the
//! registry and releases the lock, so closing a handle while another thread
//! still runs a call on it is safe: the object lives until that call ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A set of live objects of one kind, by token.
pub(crate) struct Registry<T> {
    inner: Mutex<Option<Slots<T>>>,
    /// Distinguishes the kinds of handle: a token of one registry is never a
    /// token of another (engine handles and cancel tokens do not mix).
    tag: usize,
}

struct Slots<T> {
    next: usize,
    live: HashMap<usize, Arc<T>>,
}

/// Low bits of every token (tokens look like aligned pointers, and a
/// stray small integer is never one).
const TAG_BITS: u32 = 4;

impl<T> Registry<T> {
    pub(crate) const fn new(tag: usize) -> Registry<T> {
        assert!(tag < (1 << TAG_BITS));
        Registry { inner: Mutex::new(None), tag }
    }

    fn slots(&self) -> MutexGuard<'_, Option<Slots<T>>> {
        // Every operation leaves the map consistent, so a lock poisoned by a
        // panic elsewhere is still sound to use.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers `value` and answers its token (never 0).
    pub(crate) fn insert(&self, value: T) -> usize {
        let mut guard = self.slots();
        let slots = guard.get_or_insert_with(|| Slots { next: 1, live: HashMap::new() });
        let id = slots.next;
        slots.next += 1;
        let token = (id << TAG_BITS) | self.tag;
        slots.live.insert(token, Arc::new(value));
        token
    }

    /// The live object of `token`, if there is one.
    pub(crate) fn get(&self, token: usize) -> Option<Arc<T>> {
        self.slots().as_ref()?.live.get(&token).cloned()
    }

    /// Unregisters `token`; answers its object (which the caller drops
    /// outside the lock), or `None` if the token was not live.
    pub(crate) fn remove(&self, token: usize) -> Option<Arc<T>> {
        let mut guard = self.slots();
        let slots = guard.as_mut()?;
        let value = slots.live.remove(&token);
        if slots.live.is_empty() {
            // Nothing live: give the table's memory back, so that a host
            // that closed everything leaves nothing of ours allocated (a
            // memory checker would count the table as "possibly lost").
            slots.live = HashMap::new();
        }
        value
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots().as_ref().map_or(0, |s| s.live.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_never_reused_and_never_zero() {
        let r: Registry<u8> = Registry::new(3);
        let a = r.insert(1);
        assert_ne!(a, 0);
        assert_eq!(*r.get(a).unwrap(), 1);
        assert!(r.remove(a).is_some());
        assert!(r.remove(a).is_none(), "second removal refused");
        let b = r.insert(2);
        assert_ne!(a, b);
        assert!(r.get(a).is_none());
        assert_eq!(b & 0xF, 3);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn registries_of_different_kinds_never_share_a_token() {
        let a: Registry<u8> = Registry::new(1);
        let b: Registry<u8> = Registry::new(2);
        let t = a.insert(0);
        assert!(b.get(t).is_none());
        assert!(b.get(b.insert(0)).is_some());
    }
}

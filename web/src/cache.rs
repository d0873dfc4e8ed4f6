//! A bounded cache of wizard pages.
//!
//! A wizard page is a pure function of the knowledge base and the session's canonical address,
//! and computing it (ranking, the next question's look-ahead) costs about a millisecond of CPU,
//! while the same pages come back again and again: every session of a symptom starts on the
//! same first question, and people who see the same error answer alike. The cache keeps the
//! most recently used pages up to a byte budget and evicts the least recently used beyond it,
//! so it never grows past the budget: the server still holds no session state, and a page is
//! the same whether it came from the cache or not.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Pages kept at most, whatever their size: bounds the eviction scan.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug)]
pub struct PageCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pages: HashMap<String, (Bytes, u64)>,
    clock: u64,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// How the cache did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub pages: usize,
    pub bytes: usize,
}

impl PageCache {
    /// A cache of at most `budget` bytes of pages (0: no caching).
    #[must_use]
    pub fn new(budget: usize) -> Self {
        PageCache { budget, inner: Mutex::new(Inner::default()) }
    }

    /// The page for `key`, if cached.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.lookup(key, true)
    }

    /// The page for `key`, if cached, a miss not counted: for a first look that is followed
    /// by [`get`](Self::get) when it finds nothing.
    pub fn get_if_cached(&self, key: &str) -> Option<Bytes> {
        self.lookup(key, false)
    }

    fn lookup(&self, key: &str, count_miss: bool) -> Option<Bytes> {
        if self.budget == 0 {
            return None;
        }
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let found = inner.pages.get_mut(key).map(|(page, used)| {
            *used = now;
            page.clone()
        });
        if found.is_some() {
            inner.hits += 1;
        } else if count_miss {
            inner.misses += 1;
        }
        found
    }

    /// Keeps `page` for `key`, evicting the least recently used pages beyond the budget.
    pub fn put(&self, key: String, page: Bytes) {
        // A page larger than a sixteenth of the budget would evict too much to be worth it.
        if self.budget == 0 || page.len() > self.budget / 16 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.clock += 1;
        let now = inner.clock;
        let (key_len, size) = (key.len(), key.len() + page.len());
        if let Some((old, _)) = inner.pages.insert(key, (page, now)) {
            inner.bytes -= key_len + old.len();
        }
        inner.bytes += size;
        while inner.bytes > self.budget || inner.pages.len() > MAX_ENTRIES {
            let Some(oldest) =
                inner.pages.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((old, _)) = inner.pages.remove(&oldest) {
                inner.bytes -= oldest.len() + old.len();
            }
        }
    }

    #[must_use]
    pub fn stats(&self) -> CacheStats {
        self.inner.lock().map_or(CacheStats { hits: 0, misses: 0, pages: 0, bytes: 0 }, |inner| {
            CacheStats {
                hits: inner.hits,
                misses: inner.misses,
                pages: inner.pages.len(),
                bytes: inner.bytes,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_recently_used_pages_within_the_budget() {
        let cache = PageCache::new(16 * 100);
        for i in 0..40 {
            cache.put(format!("k{i:02}"), Bytes::from(vec![b'x'; 96]));
            // k00 stays in use, so it is never the least recently used.
            assert!(cache.get("k00").is_some(), "after {i}");
        }
        let stats = cache.stats();
        assert!(stats.bytes <= 1600, "{stats:?}");
        assert_eq!(stats.pages, 16);
        assert!(cache.get("k01").is_none(), "the oldest unused page went first");
        assert!(cache.get("k39").is_some());
        assert_eq!(cache.get("k00").as_deref(), Some(&[b'x'; 96][..]));
    }

    #[test]
    fn a_first_look_counts_hits_and_leaves_the_misses_to_the_real_one() {
        let cache = PageCache::new(1600);
        cache.put("k".into(), Bytes::from_static(b"page"));
        assert_eq!(cache.get_if_cached("k").as_deref(), Some(&b"page"[..]));
        assert!(cache.get_if_cached("other").is_none());
        assert_eq!((cache.stats().hits, cache.stats().misses), (1, 0));
        assert!(cache.get("other").is_none());
        assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    }

    #[test]
    fn a_zero_budget_caches_nothing() {
        let cache = PageCache::new(0);
        cache.put("k".into(), Bytes::from_static(b"page"));
        assert!(cache.get("k").is_none());
        assert_eq!(cache.stats().pages, 0);
    }
}

//! Rate limits per address and per device: a count in a one-minute window per key, in a
//! table with a ceiling.
//!
//! Three things an attacker could otherwise do with a plain map of windows: fill memory
//! with keys (an IPv6 network hands one client 2^64 addresses), make every request pay for
//! sweeping a table that is full of live windows, and, with a table that refuses new keys
//! when full, lock out everyone who was not counted yet. So addresses are counted per
//! network a client holds ([`client_key`]), the table holds at most [`MAX_KEYS`], a full
//! table is swept at most once a second, and a new key that still finds it full evicts the
//! oldest window (in constant time, from a queue of windows by age). The price: under a
//! flood of new keys an evicted key starts a fresh window, so a limit is approximate for
//! the keys of the flood; nobody outside it is refused for it.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys one limiter holds at most (about 3 MB of windows).
pub const MAX_KEYS: usize = 50_000;

/// A window's length: limits are counts per minute.
const WINDOW: Duration = Duration::from_secs(60);

/// How often a full table may be swept for ended windows.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Counts per key in one-minute windows, each restarted a minute after it began.
#[derive(Debug)]
pub struct RateLimiter<K> {
    table: Mutex<Table<K>>,
}

// By hand: a derive would ask the key type for a default too.
impl<K> Default for RateLimiter<K> {
    fn default() -> Self {
        RateLimiter {
            table: Mutex::new(Table::default()),
        }
    }
}

#[derive(Debug)]
struct Table<K> {
    /// Key to (window start, count in it).
    windows: HashMap<K, (Instant, u32)>,
    /// Windows by the time they began, oldest first; an entry whose start no longer
    /// matches its key's window is stale and skipped.
    order: VecDeque<(K, Instant)>,
    /// A full table is not swept again before this.
    next_sweep: Option<Instant>,
}

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table {
            windows: HashMap::new(),
            order: VecDeque::new(),
            next_sweep: None,
        }
    }
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn is_current(&self, key: &K, start: Instant) -> bool {
        self.windows.get(key).is_some_and(|e| e.0 == start)
    }

    /// Note a window that began at `start`, dropping stale entries once they outnumber the
    /// live ones (so the queue stays within twice the table).
    fn queue(&mut self, key: K, start: Instant) {
        self.order.push_back((key, start));
        if self.order.len() > 2 * self.windows.len() + 64 {
            let order = std::mem::take(&mut self.order);
            self.order = order
                .into_iter()
                .filter(|(k, s)| self.is_current(k, *s))
                .collect();
        }
    }

    /// Remove the oldest live window.
    fn evict_oldest(&mut self) {
        while let Some((key, start)) = self.order.pop_front() {
            if self.is_current(&key, start) {
                self.windows.remove(&key);
                return;
            }
        }
    }
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// Count an attempt by `key` now; false once it made more than `per_minute` in its
    /// window, or when the table is full of other keys' live windows.
    pub fn allow(&self, key: K, per_minute: u32) -> bool {
        self.allow_at(key, per_minute, Instant::now())
    }

    /// [`RateLimiter::allow`] at the moment `now` (tests move the clock).
    fn allow_at(&self, key: K, per_minute: u32, now: Instant) -> bool {
        // A poisoned table is still a table of counts: keep limiting rather than fail open
        // or refuse everyone.
        let mut t = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if t.windows.len() >= MAX_KEYS && t.next_sweep.is_none_or(|at| now >= at) {
            t.windows
                .retain(|_, (start, _)| now.saturating_duration_since(*start) <= WINDOW);
            let order = std::mem::take(&mut t.order);
            t.order = order
                .into_iter()
                .filter(|(k, s)| t.is_current(k, *s))
                .collect();
            t.next_sweep = Some(now + SWEEP_EVERY);
        }
        match t.windows.get_mut(&key) {
            Some(entry) => {
                let restarted = now.saturating_duration_since(entry.0) > WINDOW;
                if restarted {
                    *entry = (now, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                let allowed = entry.1 <= per_minute;
                if restarted {
                    t.queue(key, now);
                }
                allowed
            }
            None => {
                if t.windows.len() >= MAX_KEYS {
                    t.evict_oldest();
                }
                t.windows.insert(key.clone(), (now, 1));
                t.queue(key, now);
                per_minute >= 1
            }
        }
    }

    /// How many keys the table holds now (for the tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .windows
            .len()
    }
}

impl RateLimiter<IpAddr> {
    /// [`RateLimiter::allow`] for a client at `ip`, counted under its [`client_key`], so
    /// no caller can forget to.
    pub fn allow_address(&self, ip: IpAddr, per_minute: u32) -> bool {
        self.allow(client_key(ip), per_minute)
    }
}

/// The address limits count `ip` under: an IPv4 address as it is (an IPv4 address written
/// as IPv6 too), an IPv6 address by its /64 network, the least a provider hands one
/// household or host, so a client cannot step round a limit by changing its last 64 bits.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// Every rate limit of the server, each counted per minute.
#[derive(Default)]
pub struct Limits {
    /// Attempts to redeem enrolment codes, per address.
    pub redeem: RateLimiter<IpAddr>,
    /// Web signups, per address (spam from one place is refused).
    pub web_signups: RateLimiter<IpAddr>,
    /// Device API requests, per kiosk.
    pub device_requests: RateLimiter<String>,
    /// Login attempts at the admin app, per address.
    pub logins: RateLimiter<IpAddr>,
    /// Every request without a device token, per client address.
    pub anonymous: RateLimiter<IpAddr>,
    /// Sign-in links to Min side, per e-mail address.
    pub sign_in_links: RateLimiter<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_minute_and_restarts_the_window() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        assert!(l.allow_at("a", 2, t0));
        assert!(l.allow_at("a", 2, t0));
        assert!(!l.allow_at("a", 2, t0), "a third in the minute is refused");
        assert!(l.allow_at("b", 2, t0), "another key has its own window");
        assert!(l.allow_at("a", 2, t0 + WINDOW + Duration::from_secs(1)));
    }

    #[test]
    fn a_full_table_makes_room_by_evicting_the_oldest_window() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        for k in 0..MAX_KEYS {
            assert!(l.allow_at(k, 5, at(k as u64)));
        }
        assert!(
            l.allow_at(MAX_KEYS, 5, at(MAX_KEYS as u64)),
            "a new key is let in"
        );
        assert_eq!(l.len(), MAX_KEYS, "the table stays within its ceiling");
        // The oldest window went; the next oldest is still counted.
        for _ in 0..4 {
            assert!(l.allow_at(1, 5, at(MAX_KEYS as u64 + 1)));
        }
        assert!(
            !l.allow_at(1, 5, at(MAX_KEYS as u64 + 1)),
            "key 1 kept its count"
        );
        // Once the windows have ended the sweep makes room again.
        let later = t0 + WINDOW + Duration::from_secs(1);
        assert!(l.allow_at(MAX_KEYS + 1, 5, later));
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn a_flood_of_new_keys_locks_out_nobody_outside_it() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        // A flood from ever new networks, each at its limit.
        for k in 0..3 * MAX_KEYS {
            let _ = l.allow_at(k, 1, t0);
            let _ = l.allow_at(k, 1, t0);
        }
        // A client who was not in it is let in, and limited as usual.
        let client = usize::MAX;
        assert!(l.allow_at(client, 2, t0));
        assert!(l.allow_at(client, 2, t0));
        assert!(!l.allow_at(client, 2, t0));
        assert!(l.len() <= MAX_KEYS);
    }

    #[test]
    fn a_full_table_is_swept_at_most_once_a_second() {
        let l = RateLimiter::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        for k in 0..MAX_KEYS - 1 {
            assert!(l.allow_at(k, 5, t0));
        }
        // One more key fills the table shortly before the others' windows end.
        assert!(l.allow_at(MAX_KEYS, 5, at(59_500)));
        // A sweep finds nothing ended yet: an eviction makes room.
        assert!(l.allow_at(MAX_KEYS + 1, 5, at(59_800)));
        assert_eq!(l.len(), MAX_KEYS);
        // The windows have ended, but the table was swept under a second ago: evicting.
        assert!(l.allow_at(MAX_KEYS + 2, 5, at(60_300)));
        assert_eq!(l.len(), MAX_KEYS);
        // A second on, the sweep keeps only the late keys' windows.
        assert!(l.allow_at(MAX_KEYS + 3, 5, at(60_900)));
        assert_eq!(l.len(), 4);
    }

    #[test]
    fn ipv6_counts_by_its_64_network_and_mapped_ipv4_as_ipv4() {
        use std::net::{Ipv4Addr, Ipv6Addr};
        let v6 = |s: [u16; 8]| IpAddr::V6(Ipv6Addr::from(s));
        let a = v6([0x2001, 0xdb8, 1, 2, 0xaaaa, 0, 0, 1]);
        let b = v6([0x2001, 0xdb8, 1, 2, 0xffff, 1, 2, 3]);
        let other = v6([0x2001, 0xdb8, 1, 3, 0, 0, 0, 1]);
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key(a), v6([0x2001, 0xdb8, 1, 2, 0, 0, 0, 0]));
        let v4 = Ipv4Addr::new(10, 1, 2, 3);
        assert_eq!(client_key(IpAddr::V6(v4.to_ipv6_mapped())), IpAddr::V4(v4));
        assert_eq!(client_key(IpAddr::V4(v4)), IpAddr::V4(v4));
        // Two addresses of one network share its count.
        let l = RateLimiter::default();
        assert!(l.allow_address(a, 1));
        assert!(!l.allow_address(b, 1));
        assert!(l.allow_address(other, 1));
    }
}

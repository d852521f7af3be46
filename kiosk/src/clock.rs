//! The kiosk's clock, injected so tests can move time across a day boundary.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, Local};

/// Where the kiosk gets the time from.
pub trait Clock: Send + Sync + 'static {
    /// Now, in the kiosk's local offset.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// The machine's clock in its local time zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<FixedOffset>>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<FixedOffset>) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    /// Move forward.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

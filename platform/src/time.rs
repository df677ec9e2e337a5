//! Wall-clock time and a monotonic clock, in both modes. On `wasm32-wasip1` std's clocks work
//! too (WASI's `clock_time_get`, answered by the host), so this is a thin, stable API over them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The wall-clock time now.
pub fn now() -> SystemTime {
    SystemTime::now()
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> u64 {
    now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A measurement of a monotonic clock, like `std::time::Instant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    pub fn now() -> Instant {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        Instant(ORIGIN.get_or_init(std::time::Instant::now).elapsed())
    }

    /// Time since `earlier` (zero if `earlier` is later).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_move_forward() {
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        assert!(start.elapsed() >= Duration::from_millis(5));
        let wall = unix_millis();
        let std_wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(wall.abs_diff(std_wall) < 1000);
    }
}

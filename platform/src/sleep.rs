//! An async sleep on the host's timers: other requests on the same instance go on meanwhile.

use std::time::Duration;

/// Waits `duration` without blocking the instance.
pub async fn sleep(duration: Duration) {
    #[cfg(target_arch = "wasm32")]
    {
        // The host's timer only fires; an error here would mean no host at all.
        let _ = crate::host::sleep(duration.as_secs_f64() * 1000.0).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(duration).await;
}

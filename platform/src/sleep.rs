//! An async sleep on the host's timers: other requests on the same instance go on meanwhile.

use std::time::Duration;

/// Waits `duration` without blocking the instance.
pub async fn sleep(duration: Duration) {
    #[cfg(target_arch = "wasm32")]
    {
        // The host's promise only resolves; an error here would mean no host at all.
        let timer = wasm_bindgen_futures::JsFuture::from(crate::host::sleep(
            duration.as_secs_f64() * 1000.0,
        ));
        let _ = send_wrapper::SendWrapper::new(timer).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(duration).await;
}

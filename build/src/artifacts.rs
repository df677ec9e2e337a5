//! What a compile produces for a platform to ship.

/// The compiled service: files by name (`service.wasm`, `service-arm64`, ...) and their bytes.
#[derive(Debug, Default)]
pub struct Artifacts {
    pub files: Vec<(String, Vec<u8>)>,
}

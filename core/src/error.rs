use std::fmt;

use http::StatusCode;

/// Why a request object could not become an HTTP request, with the status to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    pub status: StatusCode,
    pub message: String,
}

impl ContractError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ContractError {}

//! # gzrs-core
//!
//! The Genezio contract, target-agnostic. Genezio hands an HTTP method a *request object*
//! (`{http, headers, queryStringParameters, rawBody, ...}`) and expects back a *response object*
//! (`{statusCode, headers, body}`). This crate turns the first into an [`http::Request`] with the
//! `/<Class>/<method>` prefix stripped, runs any `tower::Service` over it, and turns the
//! [`http::Response`] back, deciding how the body travels (text or base64-safe binary).
//!
//! [`lambda`] adds what Genezio's own Lambda handler does with an event before its class sees
//! it (OPTIONS, unknown methods, JSON-RPC and cron events), for the native mode.
//!
//! [`function_url`] describes any request as a Lambda function URL's request context, for
//! services written for lambda_http.
//!
//! [`limits`] states what one request may hold; every request is checked against it here.
//!
//! Both gzrs modes (wasm and native) go through this crate alone, so a request means the same
//! thing in each.

mod body;
pub mod compact;
mod error;
pub mod function_url;
pub mod lambda;
pub mod limits;
pub mod request;
mod response;
pub mod rpc;
mod service;

pub use body::{Body, BoxError};
pub use error::ContractError;
pub use request::{strip_class_method, HttpInfo, MethodCall, Pairs, RequestBody, RequestObject};
pub use response::{is_text_content_type, ResponseBody, ResponseObject};
pub use service::{call, call_object, call_object_streamed, call_streamed, Streamed};

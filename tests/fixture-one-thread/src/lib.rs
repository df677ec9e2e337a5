//! A hand-written `tower::Service` that counts visits in an `Rc<Cell<_>>`: it is not `Send`, so
//! gzrs's server cannot spread it over threads and serves it on one.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::rc::Rc;
use std::task::{Context, Poll};

use tower_service::Service;

#[derive(Clone, Default)]
pub struct Visits(Rc<Cell<u64>>);

impl<B> Service<http::Request<B>> for Visits {
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<B>) -> Self::Future {
        self.0.set(self.0.get() + 1);
        ready(Ok(http::Response::new(format!("visit {}", self.0.get()))))
    }
}

pub fn app() -> Visits {
    Visits::default()
}

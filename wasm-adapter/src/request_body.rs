//! A request body the host streams in: the service reads it frame by frame as the client sends
//! it. Reading is pulled: when the service wants a frame and none is here, the body asks the host
//! (`request_body_read`) for the next chunk, which comes back through `gzrs_body_chunk` (or
//! `gzrs_body_end`) and wakes the request's task. So the host reads no faster than the service,
//! and a body the service never reads is never read.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use gzrs_core::BoxError;
use http_body::Frame;

use crate::abi;

thread_local! {
    /// The bodies being fed, by the task whose request they are.
    static FEEDS: RefCell<HashMap<u32, Arc<Mutex<Feed>>>> = RefCell::new(HashMap::new());
}

#[derive(Default)]
struct Feed {
    chunks: VecDeque<Bytes>,
    end: Option<End>,
    /// The host has been asked for a chunk and has not yet answered.
    asked: bool,
    waker: Option<Waker>,
}

#[derive(Clone, Copy)]
enum End {
    Clean,
    Failed,
}

/// The body of task `task`'s request, fed by the host.
pub(crate) struct FedBody {
    task: u32,
    feed: Arc<Mutex<Feed>>,
}

impl FedBody {
    pub(crate) fn new(task: u32) -> Self {
        let feed = Arc::new(Mutex::new(Feed::default()));
        FEEDS.with(|feeds| feeds.borrow_mut().insert(task, feed.clone()));
        FedBody { task, feed }
    }
}

impl Drop for FedBody {
    fn drop(&mut self) {
        FEEDS.with(|feeds| feeds.borrow_mut().remove(&self.task));
    }
}

impl http_body::Body for FedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let mut feed = this.feed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(chunk) = feed.chunks.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        match feed.end {
            Some(End::Clean) => return Poll::Ready(None),
            Some(End::Failed) => {
                return Poll::Ready(Some(Err("the client's request body ended early".into())))
            }
            None => {}
        }
        feed.waker = Some(cx.waker().clone());
        if !feed.asked {
            feed.asked = true;
            drop(feed);
            abi::request_body_read(this.task);
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        let feed = self.feed.lock().unwrap_or_else(|e| e.into_inner());
        feed.chunks.is_empty() && matches!(feed.end, Some(End::Clean))
    }
}

/// The host's next chunk of task `task`'s body; false if nobody reads that body any more (the
/// host then stops reading it).
pub(crate) fn chunk(task: u32, bytes: Bytes) -> bool {
    deliver(task, |feed| {
        if !bytes.is_empty() {
            feed.chunks.push_back(bytes);
        }
    })
}

/// Task `task`'s body has ended: all sent (`failed` false), or cut short.
pub(crate) fn end(task: u32, failed: bool) {
    deliver(task, |feed| {
        feed.end = Some(if failed { End::Failed } else { End::Clean });
    });
}

fn deliver(task: u32, change: impl FnOnce(&mut Feed)) -> bool {
    let Some(feed) = FEEDS.with(|feeds| feeds.borrow().get(&task).cloned()) else {
        return false;
    };
    let waker = {
        let mut feed = feed.lock().unwrap_or_else(|e| e.into_inner());
        feed.asked = false;
        change(&mut feed);
        feed.waker.take()
    };
    // Woken outside the lock: the host polls the task from a later microtask.
    if let Some(waker) = waker {
        waker.wake();
    }
    true
}

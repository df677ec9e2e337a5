//! Notes: a Genezio class written in Rust. Its methods become a typed TypeScript SDK
//! (`Notes.add(...)`), `sweep` runs every night as a cron job, and `app()` serves HTTP beside
//! them (`GET /Notes/api/health`). State lives in memory, one copy per instance.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, gzrs_class::Type)]
pub struct Note {
    pub id: u32,
    pub title: String,
    pub tags: Vec<String>,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, gzrs_class::Type)]
pub struct Stats {
    pub count: u32,
    pub by_tag: HashMap<String, u32>,
}

/// The error of `complete` for an id no note has; the client's SDK throws its message.
#[derive(Debug)]
pub struct NoSuchNote(pub u32);

impl fmt::Display for NoSuchNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "there is no note with id {}", self.0)
    }
}

impl std::error::Error for NoSuchNote {}

#[derive(Debug, Default)]
pub struct Notes {
    notes: RefCell<Vec<Note>>,
    last_id: RefCell<u32>,
}

#[gzrs_class::methods]
impl Notes {
    /// Adds a note and answers it, with its new id.
    pub fn add(&self, title: String, tags: Vec<String>) -> Note {
        let id = {
            let mut last = self.last_id.borrow_mut();
            *last += 1;
            *last
        };
        let note = Note {
            id,
            title,
            tags,
            done: false,
        };
        self.notes.borrow_mut().push(note.clone());
        note
    }

    pub fn list(&self) -> Vec<Note> {
        self.notes.borrow().clone()
    }

    pub fn get(&self, id: u32) -> Option<Note> {
        self.notes.borrow().iter().find(|n| n.id == id).cloned()
    }

    /// Marks a note done; an id no note has is an error naming it.
    pub fn complete(&self, id: u32) -> Result<Note, NoSuchNote> {
        let mut notes = self.notes.borrow_mut();
        let note = notes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or(NoSuchNote(id))?;
        note.done = true;
        Ok(note.clone())
    }

    pub fn stats(&self) -> Stats {
        let notes = self.notes.borrow();
        let mut by_tag = HashMap::new();
        for tag in notes.iter().flat_map(|n| &n.tags) {
            *by_tag.entry(tag.clone()).or_insert(0) += 1;
        }
        Stats {
            count: notes.len() as u32,
            by_tag,
        }
    }

    /// Every night at 03:00: removes the notes that are done.
    #[cron("0 3 * * *")]
    pub fn sweep(&self) {
        self.notes.borrow_mut().retain(|n| !n.done);
    }
}

/// The class's HTTP side, served at `/Notes/api/...` beside the typed methods.
pub fn app() -> Router {
    Router::new().route("/health", get(|| async { "ok" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_added_completed_counted_and_swept() {
        let notes = Notes::default();
        let first = notes.add("milk".into(), vec!["shop".into()]);
        notes.add("bread".into(), vec!["shop".into(), "food".into()]);
        assert_eq!(notes.complete(first.id).unwrap().id, 1);
        assert!(notes.complete(9).unwrap_err().to_string().contains('9'));
        let stats = notes.stats();
        assert_eq!((stats.count, stats.by_tag["shop"]), (2, 2));
        notes.sweep();
        assert_eq!(notes.list().len(), 1);
        assert!(notes.get(1).is_none() && notes.get(2).is_some());
    }
}

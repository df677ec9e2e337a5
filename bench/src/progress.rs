//! How far a run is: a progress bar on a terminal, phase lines elsewhere.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on a terminal; phase lines elsewhere.
pub struct Progress {
    bar: Option<ProgressBar>,
    last: std::sync::Mutex<String>,
}

impl Progress {
    pub fn new(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar
        });
        Progress {
            bar,
            last: Default::default(),
        }
    }

    pub fn set(&self, phase: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(phase.to_owned()),
            None => {
                // A line per phase, not per step: the phase name without the contestant.
                let phase_name = phase.split(':').next().unwrap_or(phase).to_owned();
                let mut last = self.last.lock().expect("lock");
                if *last != phase_name {
                    eprintln!("{phase_name}...");
                    *last = phase_name;
                }
            }
        }
    }

    pub fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

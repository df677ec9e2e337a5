//! Logs: `tracing` events and `log` records to the console with their level, which is where
//! Genezio collects a function's logs. gzrs's entries install this before the service starts,
//! so a service only writes `tracing::info!(...)` (or `log::info!`). The level is `info` unless
//! `GZRS_LOG` says otherwise (`error`, `warn`, `info`, `debug`, `trace`).
//!
//! This is a deliberately small subscriber (events only, no span context, no timestamps: the
//! platform stamps each line), so it costs a wasm module a few kilobytes, not tracing-subscriber's
//! hundred.

use std::fmt::Write as _;
use std::sync::OnceLock;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, LevelFilter, Metadata, Subscriber};

/// While the service is being built: the console logger as this thread's default for `tracing`
/// only, so that records from the service's construction reach the log, while a service that
/// installs its own global subscriber (tracing-subscriber's `.init()`) still can. Call [`init`]
/// when the guard is dropped.
pub fn scoped() -> tracing_core::dispatcher::DefaultGuard {
    tracing_core::dispatcher::set_default(&tracing_core::Dispatch::new(Console {
        max: max_level(),
    }))
}

/// Installs the console logger for `tracing` and `log`, once; later calls, or a subscriber the
/// service installed itself, are left alone.
pub fn init() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let max = max_level();
        if tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(Console {
            max,
        }))
        .is_ok()
        {
            tracing_core::callsite::rebuild_interest_cache();
        }
        static LOGGER: LogBridge = LogBridge;
        if ::log::set_logger(&LOGGER).is_ok() {
            ::log::set_max_level(match max {
                m if m == LevelFilter::ERROR => ::log::LevelFilter::Error,
                m if m == LevelFilter::WARN => ::log::LevelFilter::Warn,
                m if m == LevelFilter::DEBUG => ::log::LevelFilter::Debug,
                m if m == LevelFilter::TRACE => ::log::LevelFilter::Trace,
                _ => ::log::LevelFilter::Info,
            });
        }
    });
}

fn max_level() -> LevelFilter {
    match crate::env::var("GZRS_LOG")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("error") => LevelFilter::ERROR,
        Some("warn") => LevelFilter::WARN,
        Some("debug") => LevelFilter::DEBUG,
        Some("trace") => LevelFilter::TRACE,
        Some("off") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// One line to the console: `LEVEL target: message`.
fn emit(level: Level, target: &str, message: &str) {
    let line = format!("{level:>5} {target}: {message}");
    #[cfg(target_arch = "wasm32")]
    crate::host::log(
        match level {
            Level::ERROR => 1,
            Level::WARN => 2,
            Level::INFO => 3,
            Level::DEBUG => 4,
            _ => 5,
        },
        &line,
    );
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
}

struct Console {
    max: LevelFilter,
}

impl Subscriber for Console {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.max >= *metadata.level()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.max)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        emit(
            *event.metadata().level(),
            event.metadata().target(),
            &message.0,
        );
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The event's `message`, then its other fields as `name=value`.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            self.0.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

struct LogBridge;

impl ::log::Log for LogBridge {
    fn enabled(&self, _: &::log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &::log::Record<'_>) {
        let level = match record.level() {
            ::log::Level::Error => Level::ERROR,
            ::log::Level::Warn => Level::WARN,
            ::log::Level::Info => Level::INFO,
            ::log::Level::Debug => Level::DEBUG,
            ::log::Level::Trace => Level::TRACE,
        };
        emit(level, record.target(), &record.args().to_string());
    }

    fn flush(&self) {}
}

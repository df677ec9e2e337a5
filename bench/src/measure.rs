//! What a contestant's processes cost: memory, and durations as milliseconds.

use std::fs;
use std::time::Duration;

/// The peak resident set (VmHWM) of every process in the group, summed.
pub fn peak_rss(group: i32) -> Option<u64> {
    let mut total = 0;
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command's closing parenthesis: state, ppid, pgrp, ...
        let pgrp = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(2))
            .and_then(|g| g.parse::<i32>().ok());
        if pgrp != Some(group) {
            continue;
        }
        let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
        total += kib.unwrap_or(0) * 1024;
    }
    (total > 0).then_some(total)
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

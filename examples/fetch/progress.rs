//! curl's progress on stderr: a meter (percent, bytes, speed) or, with `-#`, a bar of `#`.

use std::io::Write;
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const EVERY: Duration = Duration::from_millis(100);
/// The width of the bar, in `#`.
const WIDTH: usize = 50;

/// Progress of one download.
pub struct Progress {
    total: Option<u64>,
    received: u64,
    started: Instant,
    drawn: Option<Instant>,
    bar: bool,
}

impl Progress {
    /// For a body of `total` bytes, if known; `bar` for `-#`.
    pub fn new(total: Option<u64>, bar: bool) -> Progress {
        Progress {
            total,
            received: 0,
            started: Instant::now(),
            drawn: None,
            bar,
        }
    }

    /// `n` more bytes arrived.
    pub fn add(&mut self, n: usize) {
        self.received += n as u64;
        if self.drawn.is_none_or(|at| at.elapsed() >= EVERY) {
            self.draw("");
        }
    }

    /// The body is all there: the last line, and a line break.
    pub fn finish(mut self) {
        self.draw("\n");
    }

    fn draw(&mut self, end: &str) {
        self.drawn = Some(Instant::now());
        let percent = self.total.map(|total| match total {
            0 => 100.0,
            total => self.received as f64 * 100.0 / total as f64,
        });
        let line = if self.bar {
            let filled = percent
                .map_or(0, |p| (p / 100.0 * WIDTH as f64) as usize)
                .min(WIDTH);
            let shown = percent.map_or_else(|| size(self.received), |p| format!("{p:5.1}%"));
            format!(
                "{}{} {shown}",
                "#".repeat(filled),
                " ".repeat(WIDTH - filled)
            )
        } else {
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            let speed = size((self.received as f64 / seconds) as u64);
            let of = self
                .total
                .map(|t| format!(" of {}", size(t)))
                .unwrap_or_default();
            let percent = percent.map(|p| format!("{p:5.1}% ")).unwrap_or_default();
            format!(
                "{percent}{}{of}  {speed}/s  {seconds:.1} s",
                size(self.received)
            )
        };
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r{line}{end}");
        let _ = stderr.flush();
    }
}

/// `bytes` as curl prints sizes: 512, 4.5k, 12.0M, 1.2G.
fn size(bytes: u64) -> String {
    let mut value = bytes as f64;
    for unit in ["", "k", "M", "G"] {
        if value < 1024.0 || unit == "G" {
            return match unit {
                "" => format!("{bytes}"),
                unit => format!("{value:.1}{unit}"),
            };
        }
        value /= 1024.0;
    }
    unreachable!("the loop returns at G")
}

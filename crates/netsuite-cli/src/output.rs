//! Writing data to stdout (a broken pipe ends the command quietly) and messages to stderr.

use std::io::Write;

/// Writes `text` and a newline to stdout.
pub fn data(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes pretty JSON to stdout.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    data(&serde_json::to_string_pretty(value)?)
}

/// Whether the error is a closed stdout (`| head`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// A progress or status message on stderr.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        eprintln!($($arg)*);
    }};
}

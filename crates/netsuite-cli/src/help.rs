//! Help text that reads at 80 columns: an example command is never wrapped in the
//! middle by the terminal. Lines of an example block (indented by two spaces) longer
//! than [`WIDTH`] are split at spaces into shell continuation lines (` \`), never
//! inside quotes; prose lines of a paragraph are joined so that clap wraps them.

/// The widest line an example may have (80 columns, with a margin).
pub const WIDTH: usize = 78;

/// `text` with long example lines split and prose paragraphs joined.
pub fn fit(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            let lines: Vec<&str> = paragraph.lines().collect();
            if lines.iter().any(|l| l.starts_with("  ")) {
                lines
                    .iter()
                    .map(|l| fit_line(l))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                lines.join(" ")
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One example line, split into continuation lines when it is too wide.
fn fit_line(line: &str) -> String {
    if line.chars().count() <= WIDTH || !line.starts_with("  ") {
        return line.to_owned();
    }
    let mut out: Vec<String> = Vec::new();
    let mut current = String::from("  ");
    for word in words(line.trim_start()) {
        let fits = current.trim().is_empty()
            || current.chars().count() + 1 + word.chars().count() + 2 <= WIDTH;
        if !fits {
            out.push(format!("{current} \\"));
            current = String::from("      ");
        } else if !current.trim().is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    out.push(current);
    out.join("\n")
}

/// The words of a command line: a quoted string is one word, and so is a trailing
/// `# comment`.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '#' && word.is_empty() => {
                word.push(c);
                word.extend(chars.by_ref());
                break;
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                word.push(c);
            }
            None if c == ' ' => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            None => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_examples_become_continuation_lines() {
        let text = "Examples:\n  netsuite suiteql \"SELECT id, tranid, trandate FROM transaction\" --all --format ndjson --out tx.ndjson   # comment here\n\nProse that\nspans lines.";
        let fitted = fit(text);
        assert_eq!(
            fitted,
            "Examples:\n  netsuite suiteql \"SELECT id, tranid, trandate FROM transaction\" --all \\\n      --format ndjson --out tx.ndjson # comment here\n\nProse that spans lines."
        );
        // A quoted string is never split, even when it is wider than a line.
        let sql = format!("  netsuite suiteql \"{}\" --all", "x ".repeat(50).trim());
        let out = fit_line(&sql);
        assert!(
            out.contains(&format!("\"{}\"", "x ".repeat(50).trim())),
            "{out}"
        );
    }

    /// Every command's help, rendered at 80 columns: no example line is wrapped by
    /// the terminal (each line of an example block starts indented), none is wider.
    #[test]
    fn no_example_is_wrapped_at_80_columns() {
        fn walk(cmd: &mut clap::Command, path: &str) {
            let help = cmd.clone().term_width(80).render_long_help().to_string();
            let mut in_examples = false;
            for line in help.lines() {
                if line.starts_with("Example") {
                    in_examples = true;
                    continue;
                }
                if line.trim().is_empty() {
                    in_examples = false;
                    continue;
                }
                if in_examples {
                    assert!(
                        line.starts_with("  "),
                        "{path}: wrapped example line {line:?}\n{help}"
                    );
                    assert!(line.chars().count() <= 80, "{path}: {line:?}");
                }
            }
            for sub in cmd.get_subcommands_mut() {
                let name = format!("{path} {}", sub.get_name());
                walk(sub, &name);
            }
        }
        let mut cmd = crate::cli::command();
        cmd.build();
        walk(&mut cmd, "netsuite");
    }
}

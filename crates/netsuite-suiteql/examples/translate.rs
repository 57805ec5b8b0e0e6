//! Prints the SQLite translation of each SuiteQL query given as an argument
//! (or read line by line from stdin).

use std::io::BufRead;

fn show(q: &str) {
    match netsuite_suiteql::translate(q) {
        Ok(t) => println!("{q}\n  => {}\n  columns {:?}\n", t.sql, t.columns),
        Err(e) => println!("{q}\n  => error: {e}\n"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if !line.trim().is_empty() {
                show(&line);
            }
        }
    } else {
        for q in &args {
            show(q);
        }
    }
}

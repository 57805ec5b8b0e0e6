//! A real `redis-server` on a free loopback port with a temporary directory, for the
//! shared governor's tests; stopped when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process (no persistence).
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
}

/// Why Redis tests cannot run here, when `redis-server` is not installed.
pub fn redis_missing() -> Option<String> {
    match Command::new("redis-server").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        other => Some(format!(
            "redis-server cannot run ({other:?}): install it (`apt-get install redis-server`)"
        )),
    }
}

impl RedisServer {
    /// Starts one on a free port; `Err` says why when `redis-server` is not installed.
    pub fn start() -> Result<Self, String> {
        if let Some(why) = redis_missing() {
            return Err(why);
        }
        let mut s = Self {
            child: None,
            port: crate::free_port(),
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        s.restart();
        Ok(s)
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills it (SIGKILL); everything it held is gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it (again) on the same port, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.try_cmd(&["PING"]).as_deref() != Some("+PONG") {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends one command; returns the first line of the answer (`:5`, `+OK`, `$3`...).
    pub fn cmd(&self, args: &[&str]) -> String {
        self.try_cmd(args).expect("redis answers")
    }

    fn try_cmd(&self, args: &[&str]) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        s.write_all(req.as_bytes()).ok()?;
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).ok()?;
        Some(line.trim_end().to_owned())
    }

    /// `ZCARD key` as a number.
    pub fn zcard(&self, key: &str) -> u64 {
        let r = self.cmd(&["ZCARD", key]);
        r.trim_start_matches(':')
            .parse()
            .unwrap_or_else(|_| panic!("ZCARD {key}: {r}"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

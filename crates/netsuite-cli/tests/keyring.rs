//! The token store's key in a real Secret Service: Debian's gnome-keyring in a
//! private D-Bus session (`dbus-run-session`), driven by `tests/scripts/keyring.sh`.
//! The key lands in the keyring (no `store.key`), tokens survive a new process, a
//! locked collection falls back to the key file loudly (a new store), and a keyring
//! that stops answering mid-run costs at most the 3 s timeout, never a hang, and never
//! the tokens it protects.

#![cfg(all(unix, feature = "emulator"))]

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_store_key_in_a_real_secret_service() {
    let needed = [
        "dbus-run-session",
        "dbus-send",
        "gnome-keyring-daemon",
        "secret-tool",
    ];
    if let Some(missing) = needed.iter().find(|p| !have(p)) {
        // CI installs them (.ci/run); a developer machine may lack them.
        eprintln!(
            "skipped: {missing} is not installed (apt-get install dbus gnome-keyring libsecret-tools)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scripts/keyring.sh");
    let out = Command::new("timeout")
        .args(["120", "dbus-run-session", "--", "bash", script])
        .env("NB", env!("CARGO_BIN_EXE_netsuite"))
        .env("T", tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let seen: HashMap<&str, &str> = stdout.lines().filter_map(|l| l.split_once('=')).collect();
    let log = || {
        format!(
            "stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    };
    assert_eq!(seen.get("DONE"), Some(&"1"), "{}", log());
    let ms = |k: &str| -> u64 { seen[k].parse().unwrap_or_else(|_| panic!("{k}: {}", log())) };

    // 1. In the keyring, not in a file; the second process decrypts the first's token.
    let token = seen["TOKEN1"];
    assert!(token.starts_with("eyJ"), "no token: {}", log());
    assert_eq!(
        seen["TOKEN2"],
        token,
        "the cached token did not survive: {}",
        log()
    );
    assert_eq!(seen["KEYFILE1"], "no", "{}", log());
    assert_eq!(seen["ENTRIES"], "1", "{}", log());
    assert!(!seen["ERR1"].contains("warning"), "{}", log());

    // 2. Locked: the key file, said loudly, without waiting for the timeout.
    assert!(seen["LOCKED_TOKEN"].starts_with("eyJ"), "{}", log());
    assert_eq!(seen["KEYFILE2"], "yes", "{}", log());
    assert!(
        seen["LOCKED_ERR"].contains("warning: no OS keyring answered"),
        "{}",
        log()
    );
    assert!(ms("LOCKED_MS") < 3_000, "{}", log());

    // 3. Stopped mid-run: each command ends within the 3 s timeout and a margin.
    let limit = (Duration::from_secs(3) + Duration::from_secs(4)).as_millis() as u64;
    assert!(ms("STOPPED_MS") < limit, "{}", log());
    // Its tokens are not given up for a new key file: an error that says why, then
    // the same token once the keyring answers again.
    assert_eq!(seen["STOPPED_RC"], "1", "{}", log());
    assert!(seen["STOPPED_ERR"].contains("did not answer"), "{}", log());
    assert!(
        seen["STOPPED_ERR"].contains("hint: unlock or start the OS keyring"),
        "{}",
        log()
    );
    assert_eq!(seen["KEYFILE_KEPT"], "no", "{}", log());
    assert!(seen["NOCACHE_TOKEN"].starts_with("eyJ"), "{}", log());
    assert_eq!(
        seen["TOKEN3"],
        token,
        "the stored token was lost: {}",
        log()
    );
    assert!(ms("STOPPED_ADD_MS") < limit, "{}", log());
    assert_eq!(seen["KEYFILE3"], "yes", "{}", log());
}

//! Issue 12, the everyday CLI: where the emulator keeps its data, profiles you can
//! switch and edit, all through the built binary.

mod common;

use common::Env;

/// The emulator's default data directory is under the XDG data directory
/// (`$XDG_DATA_HOME/netsuite/emulator`, else `~/.local/share/netsuite/emulator`), not
/// in the config directory.
#[cfg(all(feature = "emulator", target_os = "linux"))]
#[test]
fn emulator_data_lives_in_the_xdg_data_directory() {
    let env = Env::new();
    let create = ["emulator", "integration", "create", "--name", "x", "--m2m"];
    env.ok(&create);
    assert!(env.path(".local/share/netsuite/emulator").is_dir());
    assert!(!env.config_dir().join("emulator").exists());

    let xdg = env.path("xdg-data");
    let out = env
        .cmd()
        .env("XDG_DATA_HOME", &xdg)
        .args(["emulator", "integration", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // A fresh data directory: no integration yet, and it is the XDG one.
    assert_eq!(
        common::json(&String::from_utf8_lossy(&out.stdout)),
        serde_json::json!([])
    );
    assert!(xdg.join("netsuite/emulator").is_dir());
}

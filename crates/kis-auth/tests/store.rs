//! The state file on a real file system: permissions, atomic replacement, trust, and what it never holds.

use std::fs;
use std::path::PathBuf;

use kis_auth::{StoreEntry, StoreError, StoreKey, StoredApproval, StoredToken, TokenStore};
use kis_model::Secret;

const APP_KEY: &str = "PSstoretestAPPKEY000000000000000001";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-auth-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn entry(token: &str) -> StoreEntry {
    StoreEntry {
        access_token: Some(StoredToken {
            token: Secret::new(token),
            issued_at: "2026-03-04T00:00:00Z".parse().unwrap(),
            expires_at: "2026-03-05T00:00:00Z".parse().unwrap(),
        }),
        approval_key: Some(StoredApproval {
            key: Secret::new("approval-0000"),
            issued_at: "2026-03-04T00:00:01Z".parse().unwrap(),
        }),
        last_issue_attempt: Some("2026-03-04T00:00:00Z".parse().unwrap()),
    }
}

#[test]
fn round_trip_keeps_other_entries_and_never_writes_the_app_key() {
    let dir = scratch("roundtrip");
    let store = TokenStore::new(dir.join("nested/tokens.json"));
    let paper = StoreKey::new("paper", &Secret::new(APP_KEY));
    let real = StoreKey::new("real", &Secret::new(APP_KEY));
    assert_eq!(store.load(&paper).unwrap(), None, "no file yet");
    store.save(&paper, &entry("token-paper")).unwrap();
    store.save(&real, &entry("token-real")).unwrap();
    assert_eq!(store.load(&paper).unwrap(), Some(entry("token-paper")));
    assert_eq!(store.load(&real).unwrap(), Some(entry("token-real")));
    assert_eq!(store.load(&StoreKey::new("sim", &Secret::new(APP_KEY))).unwrap(), None);

    let text = fs::read_to_string(store.path()).unwrap();
    assert!(!text.contains(APP_KEY) && !text.contains("storetest"), "{text}");
    assert!(text.contains(paper.as_str()) && text.contains("token-real"));
    // Only the file itself is left behind: no temporary files.
    let names: Vec<String> =
        fs::read_dir(dir.join("nested")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, ["tokens.json"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_file_is_0600_and_a_wider_file_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("mode");
    let store = TokenStore::new(dir.join("tokens.json"));
    let key = StoreKey::new("paper", &Secret::new(APP_KEY));
    store.save(&key, &entry("t1")).unwrap();
    let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);

    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
    match store.load(&key) {
        Err(StoreError::TooOpen { mode, .. }) => assert_eq!(mode, 0o644),
        other => panic!("expected TooOpen, got {other:?}"),
    }
    // Saving replaces the untrusted file with a private one holding only the new entry.
    store.save(&key, &entry("t2")).unwrap();
    assert_eq!(fs::metadata(store.path()).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(store.load(&key).unwrap(), Some(entry("t2")));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_or_foreign_file_is_reported_without_its_contents() {
    let dir = scratch("corrupt");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tokens.json");
    let store = TokenStore::new(&path);
    let key = StoreKey::new("paper", &Secret::new(APP_KEY));
    write_private(&path, "{\"version\":1,\"entries\":{\"x\":{\"access_token\":\"SECRETTOKENVALUE\"}}}");
    let err = store.load(&key).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(!err.to_string().contains("SECRETTOKENVALUE"), "{err}");
    write_private(&path, "{\"version\":9,\"entries\":{}}");
    assert!(store.load(&key).unwrap_err().to_string().contains("format version 9"));
    fs::remove_dir_all(&dir).unwrap();
}

fn write_private(path: &std::path::Path, text: &str) {
    fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

//! The file store on a local folder and on a real S3-compatible server (moto, started by the test):
//! the same checks on both.

use orewatch_storage::files::{FileBackend, FileStore, S3Settings};
use orewatch_storage::StorageError;
use sha2::{Digest, Sha256};

async fn keeps_checks_and_refuses(store: &FileStore, again: &FileStore, label: &str) {
    let sha = store.put(b"hello").await.unwrap();
    assert_eq!(sha, hex::encode(Sha256::digest(b"hello")), "{label}");
    assert_eq!(store.get(&sha).await.unwrap(), b"hello", "{label}");
    // Storing the same bytes again is the same file.
    assert_eq!(store.put(b"hello").await.unwrap(), sha, "{label}");
    // Another process on the same backend (a second server, a worker) reads it.
    assert_eq!(again.get(&sha).await.unwrap(), b"hello", "{label}");
    // A larger file, past one S3 request's part size.
    let big: Vec<u8> = (0..6_000_000u32).map(|i| (i % 251) as u8).collect();
    let big_sha = store.put(&big).await.unwrap();
    assert_eq!(again.get(&big_sha).await.unwrap(), big, "{label}");
    // A file streamed from disk in parts (a survey's DEM), and fetched back to disk, checked.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("dem.tif");
    let streamed: Vec<u8> = (0..20_000_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&source, &streamed).unwrap();
    let streamed_sha = hex::encode(Sha256::digest(&streamed));
    store.put_file(&source, &streamed_sha).await.unwrap();
    store.put_file(&source, &streamed_sha).await.unwrap();
    let copy = dir.path().join("copy.tif");
    assert_eq!(
        again.fetch_to(&streamed_sha, &copy).await.unwrap(),
        20_000_000,
        "{label}"
    );
    assert!(std::fs::read(&copy).unwrap() == streamed, "{label}");
    if let Some(path) = store.local_path(&streamed_sha) {
        assert!(std::fs::read(path).unwrap() == streamed, "{label}");
    }
    // A file that changed since it was hashed is not stored under the old hash.
    let wrong = hex::encode(Sha256::digest(b"something else"));
    let err = store.put_file(&source, &wrong).await.unwrap_err();
    assert!(
        matches!(err, StorageError::FileAltered { .. }),
        "{label}: {err:?}"
    );
    assert!(store.get(&wrong).await.is_err(), "{label}: nothing stored");
    // A file altered behind the platform's back is refused, naming it.
    store.overwrite_for_tests(&sha, b"tampered").await.unwrap();
    let err = store.get(&sha).await.unwrap_err();
    assert!(
        matches!(err, StorageError::FileAltered { .. }),
        "{label}: {err:?}"
    );
    // A missing file, and a name that is not a SHA-256.
    let missing = store.get(&"0".repeat(64)).await.unwrap_err();
    assert!(matches!(missing, StorageError::File(_)), "{label}: {missing:?}");
    let bad = store.get("../../etc/passwd").await.unwrap_err();
    assert!(matches!(bad, StorageError::Corrupt(_)), "{label}: {bad:?}");
    // Fetching an altered file to disk leaves no copy behind.
    let fetched = dir.path().join("altered");
    let err = store.fetch_to(&sha, &fetched).await.unwrap_err();
    assert!(
        matches!(err, StorageError::FileAltered { .. }),
        "{label}: {err:?}"
    );
    assert!(!fetched.exists(), "{label}");
}

#[tokio::test]
async fn the_file_store_on_a_folder_and_on_s3() {
    let dir = tempfile::tempdir().unwrap();
    let local = FileBackend::Local(dir.path().join("files"));
    keeps_checks_and_refuses(
        &FileStore::open(&local).unwrap(),
        &FileStore::open(&local).unwrap(),
        "local",
    )
    .await;
    // The folder keeps the layout earlier releases wrote: ab/cd/<sha256>.
    let sha = hex::encode(Sha256::digest(b"hello"));
    assert!(dir
        .path()
        .join("files")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(&sha)
        .is_file());

    let Some(server) = orewatch_testkit::s3::start("orewatch-test") else {
        return;
    };
    let s3 = FileBackend::S3(S3Settings {
        endpoint: server.endpoint.clone(),
        bucket: server.bucket.clone(),
        region: "us-east-1".into(),
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
        allow_http: true,
    });
    keeps_checks_and_refuses(
        &FileStore::open(&s3).unwrap(),
        &FileStore::open(&s3).unwrap(),
        "s3",
    )
    .await;
}

//! Resumable uploads through the use cases, on both engines: chunks land only at the end of what
//! arrived, a chunk past the declared size is refused whole, a broken chunk keeps what arrived, two
//! chunks racing for one offset land once, an upload is its starter's alone, a finished one is joined
//! and hashed, and one left for two days is removed with its staged bytes when another starts.

use crate::account;
use chrono::Duration;
use orewatch_app::surveys::uploads::{self, Appended, KEEP_HOURS};
use orewatch_app::{App, AppError, Caller, Db, ManualClock};
use orewatch_domain::MineId;
use orewatch_testkit::on_both_backends;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The office of a county with one licensed mine, files and scratch in `dir` (the survey tests' county).
async fn setup(db: Db, dir: &Path) -> (App, Caller, MineId, Arc<ManualClock>) {
    crate::surveys::quarry_app(db, dir).await
}

/// A chunk as the web hands it over: pieces, each possibly an error of the connection.
fn chunk(
    pieces: &[&'static [u8]],
) -> impl futures_util::Stream<Item = Result<&'static [u8], &'static str>> + Unpin {
    futures_util::stream::iter(pieces.iter().copied().map(Ok).collect::<Vec<_>>())
}

fn staged_parts(dir: &Path) -> usize {
    let staging = dir.join("files").join("staging");
    walk(&staging)
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
            .sum()
    })
}

async fn chunks_land_at_the_end_only_and_a_finished_upload_is_joined_and_hashed(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = setup(db, dir.path()).await;
    let started = uploads::start(&app, &office, mine, "航测.tif", 10).await.unwrap();
    assert_eq!((started.received, started.size), (0, 10));
    let id = started.id.clone();
    let put =
        |offset, pieces: &'static [&'static [u8]]| uploads::append(&app, &office, &id, offset, chunk(pieces));
    assert_eq!(put(0, &[b"01", b"23"]).await.unwrap(), Appended::Now(4));
    // The same chunk again (its answer was lost): nothing kept, go on from 4.
    assert_eq!(
        put(0, &[b"0123"]).await.unwrap(),
        Appended::Elsewhere { received: 4 }
    );
    assert_eq!(
        put(6, &[b"67"]).await.unwrap(),
        Appended::Elsewhere { received: 4 }
    );
    assert!(
        uploads::staged(&app, &office, &id, mine).await.unwrap().is_none(),
        "not finished"
    );
    // Past the declared size: refused whole, nothing kept.
    assert!(matches!(
        put(4, &[b"4567", b"89AB"]).await,
        Err(AppError::TooLarge { max_bytes: 6 })
    ));
    assert_eq!(uploads::status(&app, &office, &id).await.unwrap().received, 4);
    assert_eq!(
        staged_parts(dir.path()),
        1,
        "the refused chunk left no staged bytes"
    );
    // A chunk that breaks off keeps what arrived.
    let broken = uploads::append(
        &app,
        &office,
        &id,
        4,
        futures_util::stream::iter(vec![Ok(&b"45"[..]), Err("connection reset")]),
    )
    .await
    .unwrap();
    assert_eq!(
        broken,
        Appended::Broken {
            received: 6,
            cause: "connection reset"
        }
    );
    assert_eq!(put(6, &[b"6789"]).await.unwrap(), Appended::Now(10));
    // Someone else's upload, or one named for another mine, or a made-up id, is not found.
    let other = account(&app, "liming", "office", "nr").await;
    assert!(matches!(
        uploads::status(&app, &other, &id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        uploads::append(&app, &other, &id, 10, chunk(&[b"x"])).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        uploads::staged(&app, &office, &id, MineId(mine.0 + 1000)).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        uploads::status(&app, &office, "../../etc/passwd").await,
        Err(AppError::NotFound)
    ));
    let file = uploads::staged(&app, &office, &id, mine).await.unwrap().unwrap();
    assert_eq!(file.sha256, hex::encode(Sha256::digest(b"0123456789")));
    assert_eq!(std::fs::read(&file.path).unwrap(), b"0123456789");
    assert_eq!((file.name.as_str(), file.size_bytes), ("航测.tif", 10));
    uploads::remove(&app, &office, &id).await.unwrap();
    assert!(matches!(
        uploads::status(&app, &office, &id).await,
        Err(AppError::NotFound)
    ));
    assert_eq!(
        staged_parts(dir.path()),
        0,
        "the staged parts are removed with the upload"
    );
}

async fn two_chunks_racing_for_one_offset_land_once(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = setup(db, dir.path()).await;
    let id = uploads::start(&app, &office, mine, "航测.tif", 8)
        .await
        .unwrap()
        .id;
    // The first chunk's sender holds its last piece back until the second chunk has landed.
    let (send, receive) = tokio::sync::oneshot::channel::<()>();
    let held = futures_util::stream::unfold((0, Some(receive)), |(n, receive)| async move {
        match n {
            0 => Some((Ok::<&[u8], &str>(&b"ab"[..]), (1, receive))),
            1 => {
                let _ = receive?.await;
                Some((Ok(&b"cd"[..]), (2, None)))
            }
            _ => None,
        }
    });
    let first = uploads::append(&app, &office, &id, 0, Box::pin(held));
    let second = async {
        let landed = uploads::append(&app, &office, &id, 0, chunk(&[b"WXYZ"])).await;
        let _ = send.send(());
        landed
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(second.unwrap(), Appended::Now(4));
    assert_eq!(first.unwrap(), Appended::Elsewhere { received: 4 });
    assert_eq!(
        staged_parts(dir.path()),
        1,
        "the losing chunk's bytes are removed"
    );
    assert_eq!(
        uploads::append(&app, &office, &id, 4, chunk(&[b"5678"]))
            .await
            .unwrap(),
        Appended::Now(8)
    );
    let file = uploads::staged(&app, &office, &id, mine).await.unwrap().unwrap();
    assert_eq!(std::fs::read(&file.path).unwrap(), b"WXYZ5678");
}

async fn only_who_may_record_surveys_starts_one_and_old_ones_are_removed(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, clock) = setup(db, dir.path()).await;
    let officer = account(&app, "zhang", "agency_officer", "ps").await;
    assert!(matches!(
        uploads::start(&app, &officer, mine, "航测.tif", 10).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        uploads::start(&app, &office, mine, "航测.tif", 0).await,
        Err(AppError::Invalid(_))
    ));
    let max = app.settings.surveys.max_dem_bytes;
    assert!(matches!(
        uploads::start(&app, &office, mine, "航测.tif", max + 1).await,
        Err(AppError::TooLarge { .. })
    ));
    let old = uploads::start(&app, &office, mine, "旧.tif", 10)
        .await
        .unwrap()
        .id;
    uploads::append(&app, &office, &old, 0, chunk(&[b"0123"]))
        .await
        .unwrap();
    clock.advance(Duration::hours(KEEP_HOURS) + Duration::seconds(1));
    assert!(
        matches!(
            uploads::status(&app, &office, &old).await,
            Err(AppError::NotFound)
        ),
        "an expired upload is gone at once"
    );
    let new = uploads::start(&app, &office, mine, "新.tif", 10)
        .await
        .unwrap()
        .id;
    assert_eq!(
        staged_parts(dir.path()),
        0,
        "the old upload's bytes are removed when another starts"
    );
    assert_eq!(uploads::status(&app, &office, &new).await.unwrap().received, 0);
}

on_both_backends!(
    chunks_land_at_the_end_only_and_a_finished_upload_is_joined_and_hashed,
    two_chunks_racing_for_one_offset_land_once,
    only_who_may_record_surveys_starts_one_and_old_ones_are_removed,
);

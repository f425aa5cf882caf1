//! The server loop against slow clients (10.10: 1,000 half-sent requests stayed open for 90 s, and a
//! body that stopped arriving was never timed out). Real TCP on loopback; the timeouts are set short so
//! the test is quick, and the checks allow five times the timeout — they test that connections end, not
//! how fast.

use orewatch_app::password::HashCost;
use orewatch_app::{App, Settings, SystemClock};
use orewatch_web::serve::{serve, ServeLimits};
use orewatch_web::{router, WebConfig, WebState};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(db: orewatch_app::Db) -> SocketAddr {
    let settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    let app = App::new(db, Arc::new(SystemClock), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    let config = WebConfig {
        form_read_timeout: Duration::from_secs(1),
        ..WebConfig::default()
    };
    let state = WebState::new(app, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs(1),
        max_connections: 16,
    };
    tokio::spawn(async move { serve(listener, router(state), limits, std::future::pending()).await });
    addr
}

/// Reads until the server closes the connection (or 5 s pass); returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> Option<String> {
    let mut all = Vec::new();
    let mut buf = [0_u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&all).into_owned()),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_cut_off_and_the_site_stays_up() {
    let test_db = orewatch_testkit::sqlite().await;
    let addr = start(test_db.db.clone()).await;
    // More half-sent requests than the server serves at once.
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /login HTTP/1.1\r\nHost: orewatch\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // Every one of them is closed by the server (a 408 or nothing), none waits forever…
    let mut closed = 0;
    for stream in &mut slow {
        if read_to_close(stream).await.is_some() {
            closed += 1;
        }
    }
    assert_eq!(closed, slow.len(), "half-sent requests still open after 5 s");
    // …and a real request is answered.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: orewatch\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut stream)
        .await
        .expect("the login page is served");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    test_db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_body_that_stops_arriving_is_answered_408() {
    let test_db = orewatch_testkit::sqlite().await;
    let addr = start(test_db.db.clone()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: orewatch\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 200\r\nConnection: close\r\n\r\nusername=office&pass",
        )
        .await
        .unwrap();
    let answer = read_to_close(&mut stream)
        .await
        .expect("the server answers instead of waiting");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("提交超时"), "{answer}");
    test_db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_too() {
    let test_db = orewatch_testkit::sqlite().await;
    let addr = start(test_db.db.clone()).await;
    // An idle connection (or a kept-alive one whose client went quiet) must not hold its place forever.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert!(
        read_to_close(&mut idle).await.is_some(),
        "an idle connection stayed open for 5 s"
    );
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /login HTTP/1.1\r\nHost: orewatch\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut kept)
        .await
        .expect("closed after its keep-alive went quiet");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    test_db.finish().await;
}

//! A real S3-compatible server for the file-store tests: moto's server (`pip install "moto[server]"`;
//! `.ci/run` installs it), started on a free port for one test and killed when dropped. Where
//! `moto_server` is absent the tests skip with a notice, unless `OREWATCH_REQUIRE_S3=1` (CI).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server with one empty bucket.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
    pub bucket: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the S3 tests must run (CI sets `OREWATCH_REQUIRE_S3=1`).
pub fn required() -> bool {
    std::env::var("OREWATCH_REQUIRE_S3").is_ok_and(|v| v == "1")
}

/// Starts moto's server with a bucket named `bucket`; `None` where it is not installed (a notice,
/// or a panic when required).
pub fn start(bucket: &str) -> Option<S3Server> {
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(addr) => addr.port(),
        Err(e) => panic!("no free port for the S3 server: {e}"),
    };
    let child = match Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if !required() => {
            let _ = writeln!(
                std::io::stderr(),
                "*** moto_server not found ({e}): S3 file-store tests skipped. pip install \"moto[server]\", \
                 or set OREWATCH_REQUIRE_S3=1 to make this an error. ***"
            );
            return None;
        }
        Err(e) => panic!("OREWATCH_REQUIRE_S3=1 but moto_server cannot start: {e}"),
    };
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: bucket.to_string(),
    };
    // moto takes a second or two to import.
    let started = Instant::now();
    loop {
        if let Ok(status) = request(port, "PUT", &format!("/{bucket}")) {
            assert!(status == 200, "creating the bucket: HTTP {status}");
            return Some(server);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto_server did not start in 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One plain HTTP request without a body; the status code.
fn request(port: u16, method: &str, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    text.get(9..12)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not HTTP: {text}")))
}

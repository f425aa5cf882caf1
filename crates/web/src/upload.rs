//! File uploads: `multipart/form-data` bodies read into fields. The session middleware uses it to find
//! the CSRF token of an upload form; handlers use it to get the file.
//!
//! A survey's DEM (several GB) is not buffered: the middleware lets the bodies of [`streams`] routes
//! through unread, with the token they must carry ([`StreamCsrf`]), and the handler reads them with
//! [`stream_to_disk`], which checks the token before it writes a byte of the file.

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

/// Whether a content type is `multipart/form-data`.
pub fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| {
        c.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    })
}

/// Reads every part of a buffered multipart body; `None` when the body is not valid multipart.
pub async fn parts(content_type: &str, body: axum::body::Bytes) -> Option<Vec<Part>> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut out = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field.bytes().await.ok()?.to_vec();
        out.push(Part {
            name,
            file_name,
            data,
        });
    }
    Some(out)
}

/// The parts of a request's body: its multipart parts, or — for a form sent without a file input, as
/// `application/x-www-form-urlencoded` — its fields as parts without files.
pub async fn read(headers: &axum::http::HeaderMap, body: axum::body::Bytes) -> Vec<Part> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_multipart(Some(content_type)) {
        return form_urlencoded::parse(&body)
            .map(|(name, value)| Part {
                name: name.into_owned(),
                file_name: None,
                data: value.into_owned().into_bytes(),
            })
            .collect();
    }
    parts(content_type, body).await.unwrap_or_default()
}

/// A text field of the parts, empty when absent.
pub fn text(parts: &[Part], name: &str) -> String {
    parts
        .iter()
        .find(|p| p.name == name)
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default()
}

/// The files chosen in the field `name`, as evidence (an empty file input sends an empty part: left out).
pub fn evidence<'a>(parts: &'a [Part], name: &str) -> Vec<orewatch_app::evidence::EvidenceFile<'a>> {
    parts
        .iter()
        .filter(|p| p.name == name && !p.data.is_empty())
        .map(|p| orewatch_app::evidence::EvidenceFile {
            name: p.file_name.as_deref().unwrap_or(""),
            bytes: &p.data,
        })
        .collect()
}

/// Whether a POST to `path` is streamed to disk rather than buffered (a survey's DEM).
pub fn streams(path: &str) -> bool {
    path.strip_prefix("/mines/")
        .and_then(|rest| rest.strip_suffix("/surveys"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The CSRF token a streamed upload must carry, as a field before its file.
#[derive(Debug, Clone)]
pub struct StreamCsrf(pub Option<String>);

/// A streamed body: its text fields, and its file staged on disk (hashed on the way).
#[derive(Debug)]
pub struct Streamed {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Option<orewatch_app::surveys::StagedFile>,
}

/// Removes a staged file when dropped, unless kept.
struct Partial(Option<std::path::PathBuf>);

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A part of the body within `idle`: too slow is [`crate::error::WebError::SlowBody`], broken off or
/// malformed is [`crate::error::WebError::BadUpload`].
async fn timed<T, E>(
    idle: std::time::Duration,
    what: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, crate::error::WebError> {
    match tokio::time::timeout(idle, what).await {
        Err(_) => Err(crate::error::WebError::SlowBody),
        Ok(Err(_)) => Err(crate::error::WebError::BadUpload),
        Ok(Ok(value)) => Ok(value),
    }
}

/// Largest text field of a streamed form.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Reads a streamed multipart body: text fields into memory (at most 64 KiB each), the file field
/// `file_field` into a new file in `dir`, hashing it, at most `max_bytes`. The `csrf` field must come
/// before the file and match `expected`; each chunk must arrive within `idle` (a slow county link may
/// take an hour for a large file, but never stalls that long). On any error nothing stays on disk.
pub async fn stream_to_disk(
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
    expected: &StreamCsrf,
    file_field: &str,
    dir: &std::path::Path,
    max_bytes: u64,
    idle: std::time::Duration,
) -> Result<Streamed, crate::error::WebError> {
    use crate::error::WebError;
    use sha2::Digest;
    use tokio::io::AsyncWriteExt;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(|_| WebError::BadUpload)?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut fields = std::collections::HashMap::new();
    let mut file = None;
    let mut csrf_ok = false;
    while let Some(mut field) = timed(idle, multipart.next_field()).await? {
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            if !csrf_ok {
                return Err(WebError::Csrf);
            }
            let file_name = field
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                .unwrap_or_default();
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| WebError::Internal(format!("{}: {e}", dir.display())))?;
            let path = dir.join(format!("upload-{}.part", orewatch_app::auth::random_token()));
            let mut partial = Partial(Some(path.clone()));
            let mut out = tokio::fs::File::create(&path)
                .await
                .map_err(|e| WebError::Internal(format!("{}: {e}", path.display())))?;
            let mut hasher = sha2::Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = timed(idle, field.chunk()).await? {
                size += chunk.len() as u64;
                if size > max_bytes {
                    return Err(WebError::TooLarge {
                        max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
                    });
                }
                hasher.update(&chunk);
                out.write_all(&chunk)
                    .await
                    .map_err(|e| WebError::Internal(format!("{}: {e}", path.display())))?;
            }
            out.flush()
                .await
                .map_err(|e| WebError::Internal(format!("{}: {e}", path.display())))?;
            drop(out);
            if size == 0 && file_name.is_empty() {
                // No file chosen.
                continue;
            }
            partial.0 = None;
            file = Some(orewatch_app::surveys::StagedFile {
                name: file_name,
                path,
                sha256: hex::encode(hasher.finalize()),
                size_bytes: size,
            });
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = timed(idle, field.chunk()).await? {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_FIELD_BYTES {
                    return Err(WebError::TooLarge {
                        max_bytes: MAX_FIELD_BYTES,
                    });
                }
            }
            let value = String::from_utf8(value).map_err(|_| WebError::BadUpload)?;
            if name == "csrf" {
                csrf_ok = matches!(&expected.0, Some(e) if crate::session::tokens_match(&value, e));
                if !csrf_ok {
                    return Err(WebError::Csrf);
                }
            }
            fields.insert(name, value);
        }
    }
    if !csrf_ok {
        return Err(WebError::Csrf);
    }
    Ok(Streamed { fields, file })
}

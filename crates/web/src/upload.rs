//! File uploads: `multipart/form-data` bodies read into fields. The session middleware uses it to find
//! the CSRF token of an upload form; handlers use it to get the file.

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

//! What a site photo says about itself: its type (from its bytes, not its name) and, from its EXIF,
//! when and where the camera took it. A photo with broken EXIF is still evidence: it is kept, and its
//! position is unknown.

use orewatch_domain::Problem;

/// The image type of a photo, from its first bytes.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if bytes.len() > 12
        && bytes.get(4..8) == Some(b"ftyp".as_slice())
        && matches!(
            bytes.get(8..12),
            Some(b"heic" | b"heix" | b"mif1" | b"heim" | b"heis")
        )
    {
        Some("image/heic")
    } else {
        None
    }
}

/// How a photo's EXIF was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExifState {
    /// Read; time and position as far as present.
    Read,
    /// The photo carries no EXIF.
    None,
    /// It carries EXIF that cannot be read (truncated, malformed, a bad GPS value).
    Broken,
}

impl ExifState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExifState::Read => "read",
            ExifState::None => "none",
            ExifState::Broken => "broken",
        }
    }
}

/// When and where a photo was taken, as its EXIF says.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoFacts {
    pub exif: ExifState,
    /// `DateTimeOriginal` as the camera wrote it (local time of the camera, "2026-03-12 10:41:07").
    pub taken_at: Option<String>,
    /// WGS 84 latitude and longitude in degrees (north and east positive).
    pub position: Option<(f64, f64)>,
}

/// Checks a photo's type and reads its EXIF.
pub fn read(name: &str, bytes: &[u8]) -> Result<(&'static str, PhotoFacts), Problem> {
    let Some(content_type) = photo_type(bytes) else {
        return Err(Problem::NotAPhoto {
            name: name.to_string(),
        });
    };
    Ok((content_type, facts(bytes)))
}

fn facts(bytes: &[u8]) -> PhotoFacts {
    let none = PhotoFacts {
        exif: ExifState::None,
        taken_at: None,
        position: None,
    };
    let exif = match exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(exif::Error::NotFound(_)) => return none,
        Err(_) => {
            return PhotoFacts {
                exif: ExifState::Broken,
                ..none
            }
        }
    };
    let taken_at = [exif::Tag::DateTimeOriginal, exif::Tag::DateTime]
        .into_iter()
        .find_map(|tag| exif.get_field(tag, exif::In::PRIMARY))
        .and_then(|f| match &f.value {
            exif::Value::Ascii(parts) => parts.first().and_then(|raw| exif::DateTime::from_ascii(raw).ok()),
            _ => None,
        })
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                d.year, d.month, d.day, d.hour, d.minute, d.second
            )
        });
    let lat = coordinate(&exif, exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S');
    let lon = coordinate(&exif, exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W');
    match (lat, lon) {
        (Coordinate::Value(lat), Coordinate::Value(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            PhotoFacts {
                exif: ExifState::Read,
                taken_at,
                position: Some((lat, lon)),
            }
        }
        (Coordinate::Absent, Coordinate::Absent) => PhotoFacts {
            exif: ExifState::Read,
            taken_at,
            position: None,
        },
        // One half of a position, a zero denominator, a latitude of 95°: not a position to draw.
        _ => PhotoFacts {
            exif: ExifState::Broken,
            taken_at,
            position: None,
        },
    }
}

enum Coordinate {
    Absent,
    Bad,
    Value(f64),
}

/// A GPS coordinate from its degrees/minutes/seconds rationals and its hemisphere reference.
fn coordinate(exif: &exif::Exif, tag: exif::Tag, reference: exif::Tag, negative: u8) -> Coordinate {
    let Some(field) = exif.get_field(tag, exif::In::PRIMARY) else {
        return Coordinate::Absent;
    };
    let exif::Value::Rational(parts) = &field.value else {
        return Coordinate::Bad;
    };
    let mut total = 0.0;
    for (part, scale) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        if part.denom == 0 {
            return Coordinate::Bad;
        }
        total += part.to_f64() / scale;
    }
    if parts.is_empty() || !total.is_finite() {
        return Coordinate::Bad;
    }
    let sign = match exif.get_field(reference, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(refs)) => match refs.first().and_then(|r| r.first()) {
            Some(c) if c.eq_ignore_ascii_case(&negative) => -1.0,
            Some(_) => 1.0,
            None => return Coordinate::Bad,
        },
        // Without a reference the hemisphere is unknown: refuse rather than guess north or east.
        _ => return Coordinate::Bad,
    };
    Coordinate::Value(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_a_photo_by_its_bytes_not_its_name() {
        assert_eq!(photo_type(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(photo_type(b"\0\0\0\x18ftypheic\0\0\0\0"), Some("image/heic"));
        assert_eq!(photo_type(b"%PDF-1.7"), None);
        assert_eq!(photo_type(b"MZ\x90\0"), None);
        assert!(matches!(
            read("a.jpg", b"MZ\x90\0"),
            Err(Problem::NotAPhoto { .. })
        ));
    }

    #[test]
    fn a_photo_without_exif_has_no_time_or_position() {
        let (t, facts) = read("a.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
        assert_eq!(t, "image/png");
        assert_eq!(facts.position, None);
        assert_ne!(facts.exif, ExifState::Read);
    }

    #[test]
    fn a_jpeg_whose_exif_is_cut_short_is_kept_with_its_position_unknown() {
        // SOI, then an APP1 segment that claims 0x0100 bytes of EXIF but ends after a few.
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x01, 0x00];
        bytes.extend_from_slice(b"Exif\0\0MM\0*\0\0\0\x08\0\x05");
        let (t, facts) = read("cut.jpg", &bytes).unwrap();
        assert_eq!(t, "image/jpeg");
        assert_eq!(facts.exif, ExifState::Broken);
        assert_eq!(facts.position, None);
    }
}

//! Longitudes and latitudes as published: degrees-minutes-seconds (`83°00'48.281"`, with ′ ″ or
//! full-width forms, `83度00分48.281秒`), decimal degrees, or packed `DDD.MMSS` when the text says so.

/// An angle read from a cell, in degrees.
pub(super) fn dms(token: &str) -> Option<Result<f64, String>> {
    let t = token.trim_matches(|c: char| "ENenWwSs".contains(c));
    if !(t.contains('°') || t.contains('度')) || !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let t = t.replace('度', "°").replace('分', "'").replace('秒', "\"");
    let (d, rest) = t.split_once('°')?;
    let bad = || Some(Err(format!("“{token}” 不是有效的度分秒")));
    let Ok(degrees) = d.parse::<f64>() else {
        return bad();
    };
    let (minutes, seconds) = match rest.split_once('\'') {
        Some((m, s)) => (m, s.trim_end_matches('"')),
        None => (rest.trim_end_matches('\''), ""),
    };
    let m = if minutes.is_empty() {
        Ok(0.0)
    } else {
        minutes.parse::<f64>()
    };
    let s = if seconds.is_empty() {
        Ok(0.0)
    } else {
        seconds.parse::<f64>()
    };
    let (Ok(m), Ok(s)) = (m, s) else {
        return bad();
    };
    if !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&s) || degrees.fract() != 0.0 && m + s > 0.0 {
        return Some(Err(format!("“{token}” 的分或秒不在 0–60 之间")));
    }
    Some(Ok(degrees + m / 60.0 + s / 3600.0))
}

/// Reads `DDD.MMSSsss` (degrees, two digits of minutes, two of seconds, then decimals of seconds).
pub(super) fn packed(raw: &str) -> Result<f64, String> {
    let (d, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let degrees: f64 = d.parse().map_err(|_| format!("“{raw}” 不是 ddd.mmss 格式"))?;
    let padded = format!("{frac:0<4}");
    let (mm, rest) = padded.split_at(2);
    let (ss, decimals) = rest.split_at(2);
    let minutes: f64 = mm.parse().map_err(|_| format!("“{raw}” 不是 ddd.mmss 格式"))?;
    let seconds: f64 = format!("{ss}.{decimals}0")
        .parse()
        .map_err(|_| format!("“{raw}” 不是 ddd.mmss 格式"))?;
    if minutes >= 60.0 || seconds >= 60.0 {
        return Err(format!("“{raw}” 按 ddd.mmss 读，分或秒超过 60"));
    }
    Ok(degrees + minutes / 60.0 + seconds / 3600.0)
}

/// Could `raw` be a packed `DDD.MMSS` value (minutes and seconds both under 60)?
pub(super) fn could_be_packed(raw: &str) -> bool {
    packed(raw).is_ok()
}

/// Longitude and latitude of China's territory, degrees (generous: the zone edges and the islands).
pub(super) fn is_longitude(v: f64) -> bool {
    (72.0..=136.0).contains(&v)
}

pub(super) fn is_latitude(v: f64) -> bool {
    (3.0..=54.0).contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_written_form_of_an_angle() {
        let want = 83.0 + 0.0 / 60.0 + 48.281 / 3600.0;
        for t in [
            "83°00'48.281\"",
            "83°00'48.281",
            "83度00分48.281秒",
            "E83°00'48.281\"",
        ] {
            let got = dms(t).unwrap().unwrap();
            assert!((got - want).abs() < 1e-12, "{t}: {got}");
        }
        assert_eq!(dms("2708250.00"), None);
        assert!(dms("83°61'00\"").unwrap().is_err());
        assert!((packed("110.301512").unwrap() - (110.0 + 30.0 / 60.0 + 15.12 / 3600.0)).abs() < 1e-12);
        assert!((packed("24.3").unwrap() - 24.5).abs() < 1e-12);
        assert!(packed("110.7512").is_err());
        assert!(!could_be_packed("110.804512"));
    }
}

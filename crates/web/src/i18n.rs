//! The message catalogue: every user-visible string, in zh-CN (default) and en.
//!
//! Catalogues are flat TOML files in `i18n/` embedded at build time; keys are dotted
//! (`nav.organisation`). Text may name arguments in braces (`{min}`), filled by [`Tr::tf`]. A test
//! checks both catalogues have the same keys and that every key the code and templates use exists.

use std::collections::BTreeMap;

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// From a cookie value or URL segment; anything unknown is Chinese.
    pub fn parse(raw: &str) -> Lang {
        match raw {
            "en" => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

pub const ZH_SOURCE: &str = include_str!("../i18n/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("../i18n/en.toml");

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("message catalogue {file}: {message}")]
    Parse { file: &'static str, message: String },
}

/// Both catalogues, flattened to `key → text`.
#[derive(Debug, Clone)]
pub struct I18n {
    zh: BTreeMap<String, String>,
    en: BTreeMap<String, String>,
}

/// Flattens nested TOML tables into dotted keys.
pub fn flatten(file: &'static str, source: &str) -> Result<BTreeMap<String, String>, CatalogueError> {
    let table: toml::Table = toml::from_str(source).map_err(|e| CatalogueError::Parse {
        file,
        message: e.to_string(),
    })?;
    let mut out = BTreeMap::new();
    fn walk(
        file: &'static str,
        prefix: &str,
        table: &toml::Table,
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), CatalogueError> {
        for (key, value) in table {
            let full = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(text) => {
                    out.insert(full, text.clone());
                }
                toml::Value::Table(inner) => walk(file, &full, inner, out)?,
                _ => {
                    return Err(CatalogueError::Parse {
                        file,
                        message: format!("{full} is not text"),
                    })
                }
            }
        }
        Ok(())
    }
    walk(file, "", &table, &mut out)?;
    Ok(out)
}

impl I18n {
    pub fn load() -> Result<Self, CatalogueError> {
        Ok(Self {
            zh: flatten("zh-CN.toml", ZH_SOURCE)?,
            en: flatten("en.toml", EN_SOURCE)?,
        })
    }

    pub fn keys(&self, lang: Lang) -> impl Iterator<Item = &String> {
        self.map(lang).keys()
    }

    fn map(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn tr(self: &std::sync::Arc<Self>, lang: Lang) -> Tr {
        Tr {
            lang,
            i18n: self.clone(),
        }
    }
}

/// A translator for one request's language.
#[derive(Debug, Clone)]
pub struct Tr {
    pub lang: Lang,
    i18n: std::sync::Arc<I18n>,
}

impl Tr {
    /// The text of `key`; the key itself if missing (a test keeps that from happening).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.i18n
            .map(self.lang)
            .get(key)
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// The text of `key`, when the catalogue has it.
    pub fn find(&self, key: &str) -> Option<&str> {
        self.i18n.map(self.lang).get(key).map(String::as_str)
    }

    /// The text of `key` with `{name}` arguments filled in, in one pass: a value that itself holds
    /// `{other}` (a mine named by its company) is shown as it is, not filled in again.
    pub fn tf(&self, key: &str, args: &[(&str, String)]) -> String {
        fill(self.t(key), args)
    }
}

/// `template` with each `{name}` of `args` replaced by its value; other braces stay as written.
pub fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after.find('}').and_then(|close| {
            args.iter()
                .find(|(name, _)| *name == &after[..close])
                .map(|a| (close, a))
        });
        match arg {
            Some((close, (_, value))) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn arguments_are_filled_once_and_other_braces_stay() {
        let args = [
            ("mine", "{doc_no}石场".to_string()),
            ("doc_no", "鹿〔2026〕3号".to_string()),
        ];
        assert_eq!(fill("{doc_no}：{mine}", &args), "鹿〔2026〕3号：{doc_no}石场");
        assert_eq!(fill("{unknown} {mine", &args), "{unknown} {mine");
        assert_eq!(fill("无参数", &[]), "无参数");
        assert_eq!(fill("{mine}}", &args), "{doc_no}石场}");
    }
}

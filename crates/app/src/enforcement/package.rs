//! 移送材料包 — the package that goes with a referral (Order 310 Art. 6): the five documents as files in
//! a zip, numbered in the order of the article, with an index of their SHA-256 hashes.
//!
//! The platform prints three of them (the letter, the team's report, the items list) and a summary of
//! the case as "other material", each a self-contained HTML page that prints on A4; the appraisal
//! reports are the case's own attached files, byte for byte. The index is `SHA256SUMS` in the format
//! `sha256sum -c` reads, and `目录.txt` lists the documents with what each holds. The package is built
//! once, at the transfer, and kept as an attachment of the referral: what was sent is what is shown.

use orewatch_domain::referral::Document;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

/// One file of the package.
#[derive(Debug, Clone)]
pub struct PackageFile {
    pub document: Document,
    /// The name inside its document's folder.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl PackageFile {
    /// Its path in the zip: `{n}-{document}/{name}`.
    pub fn path(&self) -> String {
        format!(
            "{}-{}/{}",
            self.document.number(),
            self.document.label_zh(),
            self.name
        )
    }
}

/// The index of a package: one `sha256  path` line per file, in path order.
pub fn index(files: &[PackageFile]) -> String {
    let mut lines: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.path(), hex::encode(Sha256::digest(&f.bytes))))
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect()
}

/// The zip of the files, their `SHA256SUMS` and the table of contents.
pub fn zip(title: &str, files: &[PackageFile]) -> std::io::Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut out);
        // A fixed timestamp: the same documents give the same zip.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let mut contents = format!("{title}\n\n");
        for document in [
            Document::Letter,
            Document::Report,
            Document::Items,
            Document::Appraisal,
            Document::Other,
        ] {
            let of: Vec<&PackageFile> = files.iter().filter(|f| f.document == document).collect();
            contents.push_str(&format!(
                "{}. {}（{} 个文件）\n",
                document.number(),
                document.label_zh(),
                of.len()
            ));
            for f in of {
                contents.push_str(&format!("   {}\n", f.path()));
            }
        }
        contents.push_str("\n各文件的 SHA-256 见 SHA256SUMS（可用 sha256sum -c SHA256SUMS 核对）。\n");
        for f in files {
            writer
                .start_file(f.path(), options)
                .map_err(std::io::Error::other)?;
            writer.write_all(&f.bytes)?;
        }
        writer
            .start_file("SHA256SUMS", options)
            .map_err(std::io::Error::other)?;
        writer.write_all(index(files).as_bytes())?;
        writer
            .start_file("目录.txt", options)
            .map_err(std::io::Error::other)?;
        writer.write_all(contents.as_bytes())?;
        writer.finish().map_err(std::io::Error::other)?;
    }
    Ok(out.into_inner())
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A printable document: a title, a number, a ruled table of fields, free paragraphs, and the
/// signature and date lines of an enforcement document (WORKFLOW.md §10).
pub fn document(issuer: &str, title: &str, number: &str, rows: &[(&str, String)], signed: &str) -> Vec<u8> {
    let mut body = String::new();
    for (label, value) in rows {
        body.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            esc(label),
            esc(value).replace('\n', "<br>")
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>@page {{ size: A4; margin: 25mm 20mm; }} body {{ font-family: FangSong, 仿宋, \"Noto Serif CJK SC\", serif; font-size: 16pt; }}\n\
         h1 {{ text-align: center; font-size: 22pt; margin: 0 0 4mm; }} .issuer, .no {{ text-align: center; }}\n\
         table {{ width: 100%; border-collapse: collapse; }} th, td {{ border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; }}\n\
         th {{ width: 30%; text-align: left; font-weight: normal; }} .sign {{ margin-top: 12mm; text-align: right; }}</style></head>\n\
         <body><p class=\"issuer\">{issuer}</p><h1>{title}</h1><p class=\"no\">{number}</p>\n<table>\n{body}</table>\n\
         <p class=\"sign\">{signed}</p></body></html>\n",
        issuer = esc(issuer),
        title = esc(title),
        number = esc(number),
        signed = esc(signed).replace('\n', "<br>"),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn file(document: Document, name: &str, bytes: &[u8]) -> PackageFile {
        PackageFile {
            document,
            name: name.into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn the_index_lists_every_file_with_its_hash_as_sha256sum_writes_it() {
        let files = vec![
            file(Document::Report, "调查报告.html", b"report"),
            file(Document::Letter, "移送书.html", b"abc"),
        ];
        // sha256("abc") is the FIPS 180-2 test vector; the files are listed in path order.
        assert_eq!(
            index(&files),
            format!(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  1-涉嫌犯罪案件移送书/移送书.html\n\
                 {}  2-涉嫌犯罪案件情况的调查报告/调查报告.html\n",
                hex::encode(Sha256::digest(b"report"))
            )
        );
    }

    #[test]
    fn the_zip_holds_the_files_its_index_and_contents_and_is_reproducible() {
        let files = vec![
            file(Document::Letter, "移送书.html", b"<html>letter</html>"),
            file(Document::Appraisal, "鉴定意见.pdf", b"%PDF-1.4 appraisal"),
        ];
        let bytes = zip("测试", &files).unwrap();
        assert_eq!(bytes, zip("测试", &files).unwrap());
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut sums = String::new();
        archive
            .by_name("SHA256SUMS")
            .unwrap()
            .read_to_string(&mut sums)
            .unwrap();
        assert_eq!(sums.lines().count(), 2);
        for line in sums.lines() {
            let (hash, path) = line.split_once("  ").unwrap();
            let mut data = Vec::new();
            archive.by_name(path).unwrap().read_to_end(&mut data).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&data)), hash, "{path}");
        }
        let mut contents = String::new();
        archive
            .by_name("目录.txt")
            .unwrap()
            .read_to_string(&mut contents)
            .unwrap();
        assert!(
            contents.contains("4. 有关检验报告或者鉴定意见（1 个文件）"),
            "{contents}"
        );
        assert!(contents.contains("3. 涉案物品清单（0 个文件）"), "{contents}");
    }

    #[test]
    fn documents_escape_what_users_typed() {
        let html = String::from_utf8(document(
            "某县自然资源局",
            "涉嫌犯罪案件移送书",
            "某移〔2026〕1号",
            &[("案由", "<script>x</script> & 越界".into())],
            "某县自然资源局\n2026年3月2日",
        ))
        .unwrap();
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt; &amp; 越界"));
        assert!(!html.contains("<script>"));
    }
}

//! What a candidate may upload with an application, told by the file's
//! content (its magic numbers), never by its name or the type the browser
//! claims: PDF, Word (DOC, DOCX), OpenDocument text, and images.

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT: &str = "application/vnd.oasis.opendocument.text";

/// The content type of an acceptable file, or `None`.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    // DOCX and ODT are ZIP archives: what they are is in their entries, which
    // magic numbers at fixed offsets only guess at.
    if content.starts_with(b"PK\x03\x04") {
        return word_processing(content);
    }
    let kind = infer::get(content)?;
    let accepted = matches!(
        kind.mime_type(),
        "application/pdf"
            | "application/msword"
            | "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "image/tiff"
            | "image/heif"
            | "image/avif"
    );
    accepted.then(|| kind.mime_type())
}

/// A Word document (ECMA-376: `[Content_Types].xml` and `word/document.xml`,
/// without macros) or an OpenDocument text (its `mimetype` entry says so).
fn word_processing(content: &[u8]) -> Option<&'static str> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(content)).ok()?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("[Content_Types].xml") && has("word/document.xml") && !has("word/vbaProject.bin") {
        return Some(DOCX);
    }
    let mut mimetype = String::new();
    archive
        .by_name("mimetype")
        .ok()?
        .take(100)
        .read_to_string(&mut mimetype)
        .ok()?;
    (mimetype == ODT).then_some(ODT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_images_pass_and_everything_else_does_not() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some("application/pdf")
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"),
            Some("image/png")
        );
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some("image/jpeg"));
        // A Windows program, an HTML page and a shell script, whatever their names.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"), None);
        assert_eq!(sniff(b"<!DOCTYPE html><html><script>"), None);
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /"), None);
        assert_eq!(sniff(b""), None);
    }
}

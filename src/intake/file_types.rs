//! What a candidate may upload with an application, told by the file's
//! content (its magic numbers), never by its name or the type the browser
//! claims: PDF, Word (DOC, DOCX), OpenDocument text, and images.

/// The content type of an acceptable file, or `None`.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    let kind = infer::get(content)?;
    let accepted = matches!(
        kind.mime_type(),
        "application/pdf"
            | "application/msword"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.oasis.opendocument.text"
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

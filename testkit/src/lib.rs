//! Test support for the xep-* crates (a dev-dependency only, never published).
//!
//! The XEP texts and the real captures live in `../shared/` beside a checkout (CI
//! always puts them there) and are read at test time, never copied into the project.
//! [`shared_dir`] finds them: on CI a missing directory is a failure, elsewhere the test
//! says it is skipping and gets `None`. [`examples`] pulls the `<example>`s out of a
//! XEP source file and [`example_xml`] undoes the texts' conventions around the XML.
//!
//! ```
//! let source = "<p>x</p><example caption='Minimal'><![CDATA[<a/>\n[ ... ]\n]]></example>";
//! let found = xep_testkit::examples(source);
//! assert_eq!(found[0].caption, "Minimal");
//! assert_eq!(xep_testkit::example_xml(&found[0].text).as_deref(), Some("<a/>"));
//! ```

use std::path::{Path, PathBuf};

/// Whether this run is on CI (`CI` set to anything but `false` or empty).
pub fn on_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// A directory of `../shared/` (such as `specs` or `interop-samples`), or `None` with
/// a note on standard error when it is not there. On CI a missing directory panics.
///
/// `XEP_SPECS_DIR` overrides the place of `specs`; `XEP_SHARED_DIR` that of the whole
/// shared directory.
pub fn shared_dir(sub: &str) -> Option<PathBuf> {
    let dir = match (sub, std::env::var_os("XEP_SPECS_DIR")) {
        ("specs", Some(dir)) => PathBuf::from(dir),
        _ => std::env::var_os("XEP_SHARED_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
            .join(sub),
    };
    if dir.is_dir() {
        Some(dir)
    } else if on_ci() {
        panic!("{} missing on CI", dir.display());
    } else {
        say_skipped_once(sub, &dir);
        None
    }
}

/// Says, once per test binary and directory, that the tests reading it are skipped.
///
/// Written straight to the process's standard error, past the test harness's output
/// capture, so that it shows in a normal `cargo test` run (a skipped test still
/// passes) and only once, however many tests or proptest cases skip.
fn say_skipped_once(sub: &str, dir: &Path) {
    use std::io::Write;
    if !first_time(sub) {
        return;
    }
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| match s.rsplit_once('-') {
            // Cargo names test binaries `NAME-HASH`.
            Some((name, hash)) if hash.len() == 16 => name.to_owned(),
            _ => s,
        })
        .unwrap_or_else(|| "tests".to_owned());
    let _ = writeln!(std::io::stderr(), "{}", skip_note(&binary, sub, dir));
}

/// Whether this is the first skip of `sub` in this process.
fn first_time(sub: &str) -> bool {
    use std::sync::Mutex;
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if said.iter().any(|s| s == sub) {
        return false;
    }
    said.push(sub.to_owned());
    true
}

/// The note a test binary prints when `dir` (for `sub`) is missing.
fn skip_note(binary: &str, sub: &str, dir: &Path) -> String {
    let how = if sub == "specs" {
        "the XEP texts are the XSF's `xeps` repository (https://github.com/xsf/xeps): \
         set XEP_SPECS_DIR to a directory holding them"
    } else {
        "set XEP_SHARED_DIR to the directory holding it"
    };
    format!(
        "note: {binary}: no {} here, so the tests that read {sub}/ pass without checking \
         anything ({how})",
        dir.display()
    )
}

/// The spec texts' directory, [`shared_dir`]`("specs")`.
pub fn specs_dir() -> Option<PathBuf> {
    shared_dir("specs")
}

/// A file of [`shared_dir`]`(sub)` as text, `None` where the directory is missing off
/// CI. A missing file inside a present directory panics: the test names it on purpose.
pub fn shared_file(sub: &str, name: &str) -> Option<String> {
    let path = shared_dir(sub)?.join(name);
    Some(
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
}

/// One `<example caption='...'><![CDATA[ ... ]]></example>` of a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// 1-based position among the file's examples.
    pub number: usize,
    /// The caption (empty when there is none).
    pub caption: String,
    /// 1-based line of the `<example` tag in the file.
    pub line: usize,
    /// The CDATA content (or the raw body when there is no CDATA section).
    pub text: String,
}

/// Extracts the examples of a XEP source file. The files carry a DTD and entities, so
/// they are scanned as text rather than parsed.
pub fn examples(source: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut rest = source;
    let mut offset = 0;
    while let Some(start) = rest.find("<example") {
        let after_tag = &rest[start..];
        let Some(head_end) = after_tag.find('>') else {
            break;
        };
        let head = &after_tag[..head_end];
        let caption = head
            .split_once("caption=")
            .map(|(_, c)| {
                let quote = c.chars().next().unwrap_or('\'');
                c[1..].split(quote).next().unwrap_or("").to_owned()
            })
            .unwrap_or_default();
        let Some(end) = after_tag.find("</example>") else {
            break;
        };
        let body = &after_tag[head_end + 1..end];
        let text = match (body.find("<![CDATA["), body.rfind("]]>")) {
            (Some(a), Some(b)) if b > a => body[a + 9..b].to_owned(),
            _ => body.to_owned(),
        };
        let line = 1 + source[..offset + start].matches('\n').count();
        out.push(Example {
            number: out.len() + 1,
            caption,
            line,
            text,
        });
        offset += start + end;
        rest = &source[offset..];
    }
    out
}

/// The XML an example holds, or `None` for an example that is not XML at all (an XMPP
/// URI, a timestamp, a JSON document, what a client displays).
///
/// Two conventions of the XEP texts are undone first: an HTTP request or response head
/// before the XML body (XEP-0206), and lines that only say content was elided
/// (`[ ... ]`, `...`).
pub fn example_xml(text: &str) -> Option<String> {
    let mut text = text.trim_start();
    if text.starts_with("POST ") || text.starts_with("HTTP/") {
        let body = text.find("\n\n").or_else(|| text.find("\r\n\r\n"))?;
        text = text[body..].trim_start();
    }
    if !text.starts_with('<') {
        return None;
    }
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !matches!(line.trim(), "[ ... ]" | "[...]" | "..." | "[..]"))
        .collect();
    Some(kept.join("\n").trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_finds_caption_line_and_cdata() {
        let src = "<p/>\n<example caption='First'><![CDATA[<iq/>]]></example>\n<example caption=\"Two\"><![CDATA[\n<a>]]></example>\n<example><![CDATA[xmpp:a@b]]></example>";
        let got = examples(src);
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].caption.as_str(), got[0].line, got[0].text.as_str()),
            ("First", 2, "<iq/>")
        );
        assert_eq!((got[1].caption.as_str(), got[1].number), ("Two", 2));
        assert_eq!((got[2].caption.as_str(), got[2].line), ("", 5));
    }

    #[test]
    fn a_missing_directory_is_said_once_with_where_to_get_it() {
        assert!(first_time("probe-a"));
        assert!(!first_time("probe-a"));
        assert!(first_time("probe-b"));
        let note = skip_note("schema", "specs", Path::new("/x/shared/specs"));
        assert_eq!(
            note,
            "note: schema: no /x/shared/specs here, so the tests that read specs/ pass without \
             checking anything (the XEP texts are the XSF's `xeps` repository \
             (https://github.com/xsf/xeps): set XEP_SPECS_DIR to a directory holding them)"
        );
        assert!(!note.contains('\n'));
    }

    #[test]
    fn prose_http_and_elisions_are_handled() {
        assert_eq!(example_xml("xmpp:example.org?disco"), None);
        assert_eq!(example_xml("  1776-07-04"), None);
        let http = "POST /webclient HTTP/1.1\nHost: x\n\n<body xmlns='http://jabber.org/protocol/httpbind'/>";
        assert_eq!(
            example_xml(http).unwrap(),
            "<body xmlns='http://jabber.org/protocol/httpbind'/>"
        );
        assert_eq!(
            example_xml("<a/>\n\n[ ... ]\n<b/>").unwrap(),
            "<a/>\n\n<b/>"
        );
    }
}

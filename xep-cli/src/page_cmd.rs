//! `xep status page`, and the `--page FILE` of `xep status new` and `xep status end`:
//! the status page ([`crate::page`]) written from a status file.

use std::io::Write;
use std::path::Path;

use xep_core::time::Time;
use xep_sos::StatusFile;

use crate::page::{DEFAULT_TITLE, PageOptions, read_for_page, render};

/// The parsed arguments of `xep status page`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageArgs {
    /// The status file; `-` or `None` is standard input.
    pub input: Option<String>,
    /// Where to write the page; `None` or `-` is standard output.
    pub output: Option<String>,
    /// The link to the JSON; by default the status file's name.
    pub json_url: Option<String>,
    /// The page title.
    pub title: Option<String>,
    /// The time the page is made at.
    pub now: Time,
}

impl From<(crate::args::PageArgs, Time)> for PageArgs {
    /// The parsed command line and the clock (which `--now` replaces).
    fn from((args, clock): (crate::args::PageArgs, Time)) -> Self {
        Self {
            input: Some(args.file),
            output: args.output,
            json_url: args.json_url,
            title: args.title,
            now: args.now.now.unwrap_or(clock),
        }
    }
}

/// The link from a page written to `page` to the JSON at `json`: the file name when
/// both are in the same folder (or the page goes to standard output), else `json` as
/// given.
pub fn json_href(json: Option<&str>, page: Option<&str>) -> String {
    let Some(json) = json.filter(|j| *j != "-") else {
        return "status.json".to_owned();
    };
    let name = Path::new(json)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| json.to_owned());
    match page.filter(|p| *p != "-") {
        None => name,
        Some(page) if Path::new(page).parent() == Path::new(json).parent() => name,
        Some(_) => json.to_owned(),
    }
}

/// Writes `text` to `path` atomically, or to `out` for `None` or `-`.
fn write_to(path: Option<&str>, text: &str, out: &mut dyn Write) -> Result<(), String> {
    match path.filter(|p| *p != "-") {
        None => out
            .write_all(text.as_bytes())
            .map_err(|e| format!("standard output: {e}")),
        Some(path) => crate::output::write_atomically(Path::new(path), text)
            .map_err(|e| format!("{path}: cannot write: {e}")),
    }
}

/// `xep status page`: returns the exit status (0 written, 2 unreadable or unusable
/// status file, or the page could not be written).
pub fn status_page(args: &PageArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let name = args.input.as_deref().unwrap_or("-");
    let bytes = match crate::input::read_input(name, xep_core::xml::Limits::default().max_bytes) {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = writeln!(err, "xep: {name}: {e}");
            return 2;
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        let _ = writeln!(err, "xep: {name}: not UTF-8");
        return 2;
    };
    let (file, notes) = match read_for_page(&text) {
        Ok(read) => read,
        Err(e) => {
            let _ = writeln!(err, "xep: {name}: {e}");
            return 2;
        }
    };
    for note in &notes {
        let _ = writeln!(err, "xep: {name}: note: {note}");
    }
    let options = PageOptions {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| DEFAULT_TITLE.to_owned()),
        ..PageOptions::new(
            args.now,
            args.json_url
                .clone()
                .unwrap_or_else(|| json_href(Some(name), args.output.as_deref())),
        )
    };
    match write_to(args.output.as_deref(), &render(&file, &options), out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "xep: {e}");
            2
        }
    }
}

/// The `--page PAGE` of `xep status new`, `update` and `end`: the page for the file
/// just written to `json` (`None`: standard output), made at `now`, written to `page`
/// atomically. `end` marks the page of `xep status end`, which announces the outage as
/// resolved.
pub fn write_page_for(
    file: &StatusFile,
    page: &str,
    json: Option<&str>,
    now: Time,
    end: bool,
) -> Result<(), String> {
    let options = PageOptions {
        resolved_at: end.then_some(now),
        ..PageOptions::new(now, json_href(json, Some(page)))
    };
    crate::output::write_atomically(Path::new(page), &render(file, &options))
        .map_err(|e| format!("{page}: cannot write: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn json_links() {
        assert_eq!(json_href(None, None), "status.json");
        assert_eq!(json_href(Some("-"), Some("www/index.html")), "status.json");
        assert_eq!(
            json_href(Some("www/status.json"), Some("www/index.html")),
            "status.json"
        );
        assert_eq!(json_href(Some("www/status.json"), None), "status.json");
        assert_eq!(
            json_href(Some("status.json"), Some("index.html")),
            "status.json"
        );
        assert_eq!(
            json_href(Some("/srv/status.json"), Some("/var/www/index.html")),
            "/srv/status.json"
        );
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("xep-page-cmd-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn page_from_a_file_with_notes() {
        let d = dir("page");
        let json = d.join("status.json");
        std::fs::write(
            &json,
            r#"{"beginning":"2026-11-22T10:00:00Z","expected_end":"later"}"#,
        )
        .unwrap();
        let page = d.join("index.html");
        let args = PageArgs {
            input: Some(json.to_string_lossy().into_owned()),
            output: Some(page.to_string_lossy().into_owned()),
            title: Some("chat.example status".into()),
            now: Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
            json_url: None,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(status_page(&args, &mut out, &mut err), 0);
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("note: line 1, column "), "{err}");
        assert!(
            err.contains("/expected_end: not an RFC 3339 date-time: \"later\""),
            "{err}"
        );
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains("<h1>chat.example status</h1>"));
        assert!(html.contains("<a href=\"status.json\""));
        assert!(html.contains("Outage in progress"));
        assert!(out.is_empty());

        let (mut out, mut err) = (Vec::new(), Vec::new());
        std::fs::write(&json, "[1]").unwrap();
        assert_eq!(status_page(&args, &mut out, &mut err), 2);
        assert!(
            String::from_utf8(err)
                .unwrap()
                .contains("a status file is a JSON object, found an array")
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn resolved_page_for_status_end() {
        let d = dir("end");
        let page = d.join("index.html");
        let page = page.to_str().unwrap();
        let json = d.join("status.json");
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        write_page_for(&StatusFile::NoOutage, page, json.to_str(), now, true).unwrap();
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.contains("Resolved: the outage is over"));
        assert!(html.contains("<a href=\"status.json\""));
        assert!(
            write_page_for(
                &StatusFile::NoOutage,
                "/nonexistent/dir/x.html",
                None,
                now,
                false
            )
            .unwrap_err()
            .starts_with("/nonexistent/dir/x.html: ")
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}

//! The XEP-0455 status page: one self-contained HTML file a person reads in a browser,
//! made from the same status file clients fetch, so the two never disagree.
//!
//! The page has inline CSS and a small inline script, fetches nothing (a
//! `Content-Security-Policy` meta element forbids it) and reads fully with scripts off:
//!
//! * the state: no outage, resolved, planned and not yet started, or ongoing (partial,
//!   complete or unspecified), with whether it was planned;
//! * the beginning and expected end as `<time datetime="…Z">` elements holding the UTC
//!   time; the script replaces the text with the reader's local time (the UTC time
//!   stays in the `title`), and switches a planned outage to ongoing once the reader's
//!   clock passes its beginning;
//! * the `default` message; the script shows instead the message in the reader's
//!   language, picked from `navigator.languages` with the RFC 4647 Lookup of
//!   [`xep_core::lang::lookup`] exactly as [`Messages::best_match_entry`] does (the
//!   script's [`SCRIPT`] mirrors it, and the tests check the two agree). Every other
//!   language stays reachable in a `<details>` list;
//! * a link to the JSON file.
//!
//! Everything taken from the status file is escaped: it only ever lands in text or in
//! quoted attribute values, never in the script or the style sheet, and characters
//! HTML cannot carry (NUL and the other C0 controls but tab and line feed) become
//! U+FFFD.

use core::fmt::Write as _;

use chrono::SecondsFormat;
use xep_core::lang::Lang;
use xep_core::time::Time;
use xep_sos::status::{DEFAULT_KEY, Messages, OutageScope, Status};
use xep_sos::{StatusFile, Timestamp, Version};

/// What the page is made with, besides the status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOptions {
    /// The time the page is made at: decides "planned, not yet started" versus
    /// "ongoing" and "expected end has passed" for readers without scripts.
    pub now: Time,
    /// The address of the JSON status file, relative to the page or absolute.
    pub json_href: String,
    /// The page title and main heading, such as `example.org service status`.
    pub title: String,
    /// `Some(time)` when the page announces the end of an outage (what `xep status
    /// end --page` writes): a `{}` file then reads "resolved" rather than "no outage".
    pub resolved_at: Option<Time>,
}

impl PageOptions {
    /// Options for a page made at `now` linking to `json_href`, with the default title.
    pub fn new(now: Time, json_href: impl Into<String>) -> Self {
        Self {
            now,
            json_href: json_href.into(),
            title: DEFAULT_TITLE.to_owned(),
            resolved_at: None,
        }
    }
}

/// The title used when none is given.
pub const DEFAULT_TITLE: &str = "Service status";

/// The state a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    /// `{}`: no outage is reported.
    NoOutage,
    /// `{}` published to end an outage.
    Resolved,
    /// An outage whose beginning is still in the future ("A client fetching an outage
    /// event for a time in the future SHOULD treat it as a planned event that is not
    /// already happening").
    Upcoming,
    /// An outage that has begun.
    Ongoing(Option<OutageScope>),
}

impl PageState {
    /// The state of `file` at `options.now`.
    pub fn of(file: &StatusFile, options: &PageOptions) -> Self {
        match file {
            StatusFile::NoOutage if options.resolved_at.is_some() => Self::Resolved,
            StatusFile::NoOutage => Self::NoOutage,
            StatusFile::Outage(s) if s.is_upcoming(Timestamp::from_utc(options.now)) => {
                Self::Upcoming
            }
            StatusFile::Outage(s) => Self::Ongoing(s.outage),
        }
    }

    /// The CSS class (and `data-state`) of the state.
    pub fn class(self) -> &'static str {
        match self {
            Self::NoOutage => "none",
            Self::Resolved => "resolved",
            Self::Upcoming => "upcoming",
            Self::Ongoing(_) => "ongoing",
        }
    }
}

/// The heading of an ongoing outage.
fn ongoing_heading(status: &Status) -> String {
    let what = match status.planned {
        Some(true) => "Planned maintenance in progress",
        _ => "Outage in progress",
    };
    match status.outage {
        Some(OutageScope::Complete) => format!("{what}: the service is unavailable"),
        Some(OutageScope::Partial) => format!("{what}: the service is partly unavailable"),
        None => what.to_owned(),
    }
}

/// Reads a status file for a page as leniently as clients do: what
/// [`StatusFile::read`] keeps (under v0.4 rules, which read every version),
/// and `null` or an empty body as "no outage", which is how Slixmpp, the one known
/// consumer, reads them. Returns the file and one line per deviation noticed.
pub fn read_for_page(text: &str) -> Result<(StatusFile, Vec<String>), String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() || trimmed == "null" {
        let what = if trimmed.is_empty() {
            "an empty file"
        } else {
            "`null`"
        };
        return Ok((
            StatusFile::NoOutage,
            vec![format!(
                "{what} is read as no outage, as clients do; publish {{}} instead"
            )],
        ));
    }
    match StatusFile::read(text, Version::V0_4) {
        Ok(reading) => {
            let notes = reading.deviations.iter().map(|d| d.to_string()).collect();
            Ok((reading.value, notes))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped, safe both as element text
/// and inside a double- or single-quoted attribute value. C0 controls other than tab,
/// line feed and carriage return, and DEL and the C1 controls, become U+FFFD.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push('\n'),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// `text` escaped by [`escape_into`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// A `<time>` element: the UTC time in `datetime` and as text; the script rewrites the
/// text in the reader's local time.
fn time_element(out: &mut String, id: &str, t: Time) {
    let iso = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let human = t.format("%A %-d %B %Y, %H:%M UTC");
    let _ = write!(
        out,
        "<time id=\"{id}\" class=\"local\" datetime=\"{iso}\" title=\"{iso}\">{human}</time>"
    );
}

/// The `lang` attribute value for a message key: the tag when it is one, else empty
/// ("unknown language"), as for `default`, whose language the file does not say.
fn lang_attr(key: &str) -> String {
    if key == DEFAULT_KEY {
        return String::new();
    }
    Lang::parse(key).map(|l| l.to_string()).unwrap_or_default()
}

/// The style sheet: system fonts, a readable measure, high-contrast state colours in
/// both light and dark schemes, no external resources.
const STYLE: &str = r#":root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--line:#c8c8c8;--ok-bg:#e3f4e6;--ok-fg:#0b4a1a;--up-bg:#fdf1d6;--up-fg:#5a3c00;--down-bg:#fde3df;--down-fg:#7a1206;--link:#0645ad}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#141414;--muted:#bdbdbd;--line:#555;--ok-bg:#123820;--ok-fg:#c9f2d2;--up-bg:#3d2c05;--up-fg:#fde7b0;--down-bg:#4a1109;--down-fg:#ffd6cf;--link:#9cc3ff}}
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:42rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:0 0 .5rem}
.state{border-radius:.5rem;padding:1rem 1.1rem;margin:0 0 1.5rem;border:2px solid currentColor}
.state-none,.state-resolved{background:var(--ok-bg);color:var(--ok-fg)}
.state-upcoming{background:var(--up-bg);color:var(--up-fg)}
.state-ongoing{background:var(--down-bg);color:var(--down-fg)}
.state p{margin:.25rem 0 0}
dl.times{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.75rem 0 0}
dl.times dt{font-weight:600}
dl.times dd{margin:0}
.message p,.other p{white-space:pre-line;overflow-wrap:anywhere;margin:.25rem 0 0}
.message{font-size:1.125rem}
details{margin:1rem 0;border-top:1px solid var(--line);padding-top:.75rem}
summary{cursor:pointer;font-weight:600}
.other{margin:.75rem 0}
.other h3{font-size:1rem;margin:0;color:var(--muted)}
a{color:var(--link)}
footer{margin-top:2rem;color:var(--muted);font-size:.95rem}
[hidden]{display:none!important}"#;

/// The page's script. It only reads the page (never the status file), so nothing from
/// the file is ever inside it. `xepPick` mirrors [`Messages::best_match_entry`],
/// `xepLookup` [`xep_core::lang::lookup`] and `xepSameLanguage`
/// [`xep_core::lang::same_language`] (the fallback to a text in the reader's primary
/// language): the same trimming (Rust's White_Space
/// set), ASCII-only case folding, and truncation by UTF-8 length. It can also run
/// without a DOM, for the tests.
pub const SCRIPT: &str = r#""use strict";
var XEP_WS = "[\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
var XEP_TRIM = new RegExp("^" + XEP_WS + "+|" + XEP_WS + "+$", "g");
function xepFold(s) { return s.replace(/[A-Z]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) + 32); }); }
function xepLookup(range, tags) {
  var c = range.replace(XEP_TRIM, "");
  while (c !== "" && c !== "*") {
    var f = xepFold(c);
    for (var i = 0; i < tags.length; i++) { if (xepFold(tags[i]) === f) { return i; } }
    var cut = c.lastIndexOf("-");
    if (cut < 0) { break; }
    c = c.slice(0, cut);
    cut = c.lastIndexOf("-");
    if (cut >= 0 && c.length - cut === 2 && c.charCodeAt(cut + 1) < 128) { c = c.slice(0, cut); }
  }
  return -1;
}
function xepPrimary(tag) {
  var first = tag.replace(XEP_TRIM, "").split("-")[0];
  return first.length >= 2 && /^[A-Za-z]+$/.test(first) ? first : null;
}
function xepSameLanguage(ranges, tags) {
  for (var r = 0; r < ranges.length; r++) {
    var wanted = xepPrimary(ranges[r]);
    if (wanted === null) { continue; }
    for (var i = 0; i < tags.length; i++) {
      var p = xepPrimary(tags[i]);
      if (p !== null && xepFold(p) === xepFold(wanted)) { return i; }
    }
  }
  return -1;
}
function xepPick(ranges, keys) {
  var tags = keys.filter(function (k) { return k !== "default"; });
  for (var r = 0; r < ranges.length; r++) {
    var i = xepLookup(ranges[r], tags);
    if (i >= 0) { return tags[i]; }
  }
  var same = xepSameLanguage(ranges, tags);
  if (same >= 0) { return tags[same]; }
  if (keys.indexOf("default") >= 0) { return "default"; }
  return keys.length ? keys[0] : null;
}
function xepLocalTimes() {
  var langs = navigator.languages && navigator.languages.length ? navigator.languages : undefined;
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(langs, { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) {
    fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  }
  var times = document.querySelectorAll("time.local");
  for (var i = 0; i < times.length; i++) {
    var d = new Date(times[i].getAttribute("datetime"));
    if (!isNaN(d.getTime())) { times[i].textContent = fmt.format(d); }
  }
}
function xepState() {
  var box = document.getElementById("state");
  if (!box) { return; }
  var now = Date.now();
  var begins = Date.parse(box.getAttribute("data-beginning") || "");
  if (box.getAttribute("data-state") === "upcoming" && !isNaN(begins) && now >= begins) {
    box.setAttribute("data-state", "ongoing");
    box.className = "state state-ongoing";
    document.getElementById("state-heading").textContent = box.getAttribute("data-ongoing");
    document.title = box.getAttribute("data-ongoing-title");
    var lead = document.getElementById("state-lead");
    if (lead) { lead.textContent = box.getAttribute("data-ongoing-lead"); }
  }
  var ends = Date.parse(box.getAttribute("data-expected-end") || "");
  var late = document.getElementById("overdue");
  if (late && !isNaN(ends)) { late.hidden = !(now > ends); }
}
function xepMessage() {
  var all = document.querySelectorAll(".other[data-key]");
  var main = document.getElementById("message");
  if (!main || !all.length) { return; }
  var keys = [];
  for (var i = 0; i < all.length; i++) { keys.push(all[i].getAttribute("data-key")); }
  var ranges = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  var key = xepPick(Array.prototype.slice.call(ranges), keys);
  if (key === null) { return; }
  var chosen = all[keys.indexOf(key)];
  var text = main.querySelector("p");
  text.textContent = chosen.querySelector("p").textContent;
  main.setAttribute("lang", chosen.getAttribute("lang") || "");
  main.setAttribute("data-key", key);
  for (var j = 0; j < all.length; j++) { all[j].hidden = all[j] === chosen; }
}
if (typeof document !== "undefined") {
  document.documentElement.classList.add("js");
  xepLocalTimes();
  xepState();
  xepMessage();
}"#;

/// The status page for `file`. Never fails: every file [`read_for_page`] returns has
/// a page.
pub fn render(file: &StatusFile, options: &PageOptions) -> String {
    let state = PageState::of(file, options);
    let title = escape(&options.title);
    let mut out = String::with_capacity(8 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n",
    );
    out.push_str("<meta name=\"generator\" content=\"xep status page\">\n");
    let _ = writeln!(out, "<title>{}: {title}</title>", state_title(state));
    let _ = write!(out, "<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n");
    let _ = writeln!(out, "<h1>{title}</h1>");
    match file.outage() {
        None => no_outage(&mut out, state, options),
        Some(status) => outage(&mut out, state, status, options),
    }
    if let Some(messages) = file.outage().and_then(|s| s.message.as_ref()) {
        message(&mut out, messages);
    }
    out.push_str("<footer>\n<p>");
    out.push_str("Machine-readable status (XEP-0455): <a href=\"");
    escape_into(&mut out, &options.json_href);
    out.push_str("\" type=\"application/json\">");
    escape_into(&mut out, &options.json_href);
    out.push_str("</a></p>\n<p>Page made ");
    time_element(&mut out, "made", options.now);
    out.push_str(".</p>\n</footer>\n</main>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("\n</script>\n</body>\n</html>\n");
    out
}

fn state_title(state: PageState) -> &'static str {
    match state {
        PageState::NoOutage => "No outage",
        PageState::Resolved => "Resolved",
        PageState::Upcoming => "Planned outage",
        PageState::Ongoing(_) => "Outage",
    }
}

fn no_outage(out: &mut String, state: PageState, options: &PageOptions) {
    let _ = writeln!(
        out,
        "<section id=\"state\" class=\"state state-{0}\" data-state=\"{0}\" aria-labelledby=\"state-heading\">",
        state.class()
    );
    match options.resolved_at {
        Some(at) if state == PageState::Resolved => {
            out.push_str("<h2 id=\"state-heading\">Resolved: the outage is over</h2>\n<p>Resolved ");
            time_element(out, "resolved", at);
            out.push_str(".</p>\n");
        }
        _ => out.push_str(
            "<h2 id=\"state-heading\">No outage</h2>\n<p>No outage is reported for this service.</p>\n",
        ),
    }
    out.push_str("</section>\n");
}

fn outage(out: &mut String, state: PageState, status: &Status, options: &PageOptions) {
    let beginning = status.beginning.to_utc();
    let end = status.expected_end.map(|e| e.to_utc());
    let ongoing = ongoing_heading(status);
    let planned_lead = match status.planned {
        Some(true) => "This outage was planned.",
        Some(false) => "This outage was not planned.",
        None => "",
    };
    let heading = match state {
        PageState::Upcoming => "Planned outage, not yet started".to_owned(),
        _ => ongoing.clone(),
    };
    let lead = match state {
        PageState::Upcoming => "The service works normally until the outage begins.",
        _ => planned_lead,
    };
    let _ = write!(
        out,
        "<section id=\"state\" class=\"state state-{0}\" data-state=\"{0}\" aria-labelledby=\"state-heading\" \
         data-beginning=\"{1}\" data-ongoing=\"{2}\" data-ongoing-lead=\"{3}\" data-ongoing-title=\"{4}: {5}\"",
        state.class(),
        beginning.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        escape(&ongoing),
        escape(planned_lead),
        state_title(PageState::Ongoing(None)),
        escape(&options.title),
    );
    if let Some(end) = end {
        let _ = write!(
            out,
            " data-expected-end=\"{}\"",
            end.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        );
    }
    out.push_str(">\n");
    let _ = writeln!(out, "<h2 id=\"state-heading\">{}</h2>", escape(&heading));
    let _ = writeln!(
        out,
        "<p id=\"state-lead\"{}>{}</p>",
        if lead.is_empty() { " hidden" } else { "" },
        escape(lead)
    );
    out.push_str("<dl class=\"times\">\n<dt>Beginning</dt><dd>");
    time_element(out, "beginning", beginning);
    out.push_str("</dd>\n<dt>Expected end</dt><dd>");
    match end {
        Some(end) => time_element(out, "expected-end", end),
        None => out.push_str("<span id=\"expected-end\">Not known</span>"),
    }
    out.push_str("</dd>\n</dl>\n");
    let overdue = end.is_some_and(|e| e < options.now);
    let _ = writeln!(
        out,
        "<p id=\"overdue\"{}>The expected end has passed; this status may be out of date.</p>",
        if overdue { "" } else { " hidden" }
    );
    out.push_str("</section>\n");
}

fn message(out: &mut String, messages: &Messages) {
    let Some((key, text)) = messages.best_match_entry(&[]) else {
        return;
    };
    out.push_str("<section aria-labelledby=\"message-heading\">\n<h2 id=\"message-heading\">Message from the operators</h2>\n");
    let _ = write!(
        out,
        "<div id=\"message\" class=\"message\" lang=\"{}\" data-key=\"{}\"><p>",
        escape(&lang_attr(key)),
        escape(key)
    );
    escape_into(out, text);
    out.push_str("</p></div>\n</section>\n");
    let others = messages.len();
    let _ = write!(
        out,
        "<details id=\"languages\">\n<summary>The message in every language ({others})</summary>\n"
    );
    for (key, text) in messages.iter() {
        let label = if key == DEFAULT_KEY {
            "Default".to_owned()
        } else {
            key.to_owned()
        };
        let _ = write!(
            out,
            "<section class=\"other\" data-key=\"{}\" lang=\"{}\"><h3 lang=\"en\">",
            escape(key),
            escape(&lang_attr(key)),
        );
        escape_into(out, &label);
        out.push_str("</h3><p>");
        escape_into(out, text);
        out.push_str("</p></section>\n");
    }
    out.push_str("</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn now() -> Time {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn page(json: &str) -> String {
        let (file, _) = read_for_page(json).unwrap();
        render(&file, &PageOptions::new(now(), "status.json"))
    }

    #[test]
    fn escape_covers_markup_and_controls() {
        assert_eq!(
            escape("<a href='x'>\"&\"</a>\0\u{7}\u{85}\r\n"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;\u{fffd}\u{fffd}\u{fffd}\n\n"
        );
    }

    #[test]
    fn no_outage_and_null_and_empty() {
        for text in ["{}", "null", " ", "\u{feff}null\n"] {
            let html = page(text);
            assert!(
                html.contains("<h2 id=\"state-heading\">No outage</h2>"),
                "{text}"
            );
            assert!(html.contains("<title>No outage: Service status</title>"));
            assert!(!html.contains("id=\"message\""));
        }
        assert!(read_for_page("null").unwrap().1[0].contains("publish {}"));
        assert!(read_for_page("[]").is_err());
    }

    #[test]
    fn resolved() {
        let (file, _) = read_for_page("{}").unwrap();
        let options = PageOptions {
            resolved_at: Some(now()),
            ..PageOptions::new(now(), "status.json")
        };
        let html = render(&file, &options);
        assert!(html.contains("Resolved: the outage is over"));
        assert!(html.contains(
            "<time id=\"resolved\" class=\"local\" datetime=\"2026-11-22T12:00:00Z\" title=\"2026-11-22T12:00:00Z\">Sunday 22 November 2026, 12:00 UTC</time>"
        ));
        assert!(html.contains("data-state=\"resolved\""));
    }

    #[test]
    fn ongoing_complete_with_times_and_message() {
        let html = page(
            r#"{"outage":"complete","planned":false,"beginning":"2026-11-22T11:00:00+01:00",
                "expected_end":"2026-11-22T14:30:00Z",
                "message":{"default":"Mise à jour","de":"Aktualisierung","en":"Update"}}"#,
        );
        assert!(html.contains(
            "<h2 id=\"state-heading\">Outage in progress: the service is unavailable</h2>"
        ));
        assert!(html.contains("This outage was not planned."));
        // The offset is normalised to UTC in the markup.
        assert!(html.contains("datetime=\"2026-11-22T10:00:00Z\""));
        assert!(html.contains(">Sunday 22 November 2026, 10:00 UTC</time>"));
        assert!(html.contains(">Sunday 22 November 2026, 14:30 UTC</time>"));
        assert!(html.contains("<p id=\"overdue\" hidden>"));
        assert!(html.contains(
            "<div id=\"message\" class=\"message\" lang=\"\" data-key=\"default\"><p>Mise à jour</p></div>"
        ));
        assert!(html.contains(
            "<section class=\"other\" data-key=\"de\" lang=\"de\"><h3 lang=\"en\">de</h3><p>Aktualisierung</p></section>"
        ));
        assert!(html.contains("The message in every language (3)"));
        assert!(html.contains("<a href=\"status.json\" type=\"application/json\">"));
    }

    #[test]
    fn upcoming_switches_to_ongoing_in_the_script_only() {
        let html = page(
            r#"{"planned":true,"beginning":"2026-11-23T01:00:00Z","expected_end":"2026-11-23T03:00:00Z"}"#,
        );
        assert!(html.contains("<h2 id=\"state-heading\">Planned outage, not yet started</h2>"));
        assert!(html.contains("data-state=\"upcoming\""));
        assert!(html.contains("data-ongoing=\"Planned maintenance in progress\""));
        assert!(html.contains("data-beginning=\"2026-11-23T01:00:00Z\""));
        assert!(html.contains("<title>Planned outage: Service status</title>"));
    }

    #[test]
    fn bad_expected_end_is_not_known_and_passed_end_is_flagged() {
        let (file, notes) =
            read_for_page(r#"{"beginning":"2026-11-22T10:00:00Z","expected_end":"soon"}"#).unwrap();
        assert_eq!(notes.len(), 1);
        let html = render(&file, &PageOptions::new(now(), "status.json"));
        assert!(html.contains("<span id=\"expected-end\">Not known</span>"));
        assert!(!html.contains("data-expected-end=\""));
        let html =
            page(r#"{"beginning":"2026-11-22T10:00:00Z","expected_end":"2026-11-22T11:00:00Z"}"#);
        assert!(html.contains("<p id=\"overdue\">The expected end has passed"));
        assert!(html.contains("<h2 id=\"state-heading\">Outage in progress</h2>"));
        assert!(html.contains("<p id=\"state-lead\" hidden></p>"));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let html = render(
            &StatusFile::NoOutage,
            &PageOptions {
                title: "<script>alert(1)</script>".into(),
                ..PageOptions::new(now(), "\"><img src=x onerror=alert(1)>")
            },
        );
        assert!(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
        assert!(html.contains("href=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""));
        let html = page(
            r#"{"beginning":"2026-11-22T10:00:00Z","message":{"default":"</p><script>x()</script>","\"><b>":"<!--"}}"#,
        );
        assert!(html.contains("<p>&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</p>"));
        assert!(html.contains("data-key=\"&quot;&gt;&lt;b&gt;\" lang=\"\""));
        assert!(html.contains("<p>&lt;!--</p>"));
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn message_without_default_shows_the_first() {
        let html =
            page(r#"{"beginning":"2026-11-22T10:00:00Z","message":{"fr":"Panne","de":"Ausfall"}}"#);
        assert!(html.contains(
            "<div id=\"message\" class=\"message\" lang=\"fr\" data-key=\"fr\"><p>Panne</p></div>"
        ));
    }
}

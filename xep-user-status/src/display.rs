//! Showing a status text that anyone with a presence subscription to you may have
//! typed.
//!
//! The spec's security note: "Because user status may be published to a large number
//! of pubsub subscribers, users should take care in approving subscribers and in
//! characterizing their current status." The other side of it is the reader's: a
//! status is untrusted text that a client puts next to a contact's name. A
//! [`DisplayPolicy`] turns it into something safe to show:
//!
//! * control characters (C0, C1, DEL) are removed, and so are the invisible format
//!   characters used to hide or spoof text (zero-width space, word joiner, byte order
//!   mark, invisible operators, interlinear annotations). Zero-width joiners and
//!   non-joiners stay: emoji sequences and many scripts need them;
//! * bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are
//!   removed, so a status cannot reverse the text around it; a policy may also
//!   isolate the whole text (FSI … PDI) so that a right-to-left status does not
//!   reorder the user interface next to it;
//! * runs of white space (line breaks and the blank-looking fillers such as U+3164
//!   included) collapse to one space, trimmed at both ends;
//! * a pile of combining marks on one character ("Zalgo" text) is cut to a few;
//! * the text is cut to a number of user-perceived characters (grapheme clusters, so
//!   never inside an emoji sequence or between a letter and its accent), and the cut is
//!   marked with an ellipsis.
//!
//! Cost is linear in the input, and a policy stops looking at it soon after its
//! length cap is reached: a 15 MB line of text costs about as much as a short one.
//!
//! ```
//! use xep_user_status::display::DisplayPolicy;
//!
//! let policy = DisplayPolicy::default().with_max_chars(12);
//! let shown = policy.apply("  Gone\u{202E}gnihsif \n\n for a while, back soon  ");
//! assert_eq!(shown.text, "Gonegnihsif…");
//! assert!(shown.truncated);
//! assert_eq!(policy.apply("🏳️‍🌈 pride").text, "🏳️‍🌈 pride");
//! ```

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_segmentation::UnicodeSegmentation;

/// How to turn an untrusted status text into one fit to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DisplayPolicy {
    /// Longest text shown, in user-perceived characters (grapheme clusters), the
    /// ellipsis included. `0` shows nothing.
    pub max_chars: usize,
    /// What marks a cut (counted as characters of the text).
    pub ellipsis: String,
    /// Most combining marks kept on one character.
    pub max_combining_marks: usize,
    /// Whether to wrap the text in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so
    /// that its direction cannot affect the text around it (for user interfaces that
    /// concatenate it with other text; not needed where the status has its own label).
    pub isolate: bool,
}

impl Default for DisplayPolicy {
    /// What a chat client could ship: 140 characters, `…`, at most 4 combining marks
    /// per character, no isolation.
    fn default() -> Self {
        Self {
            max_chars: 140,
            ellipsis: "…".to_owned(),
            max_combining_marks: 4,
            isolate: false,
        }
    }
}

/// A text as a [`DisplayPolicy`] lets it be shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Displayed {
    /// The text to show; empty when nothing is left to show.
    pub text: String,
    /// Whether it was cut to the length cap.
    pub truncated: bool,
    /// How many characters were removed as unsafe or invisible (white space collapsed
    /// and marks beyond the cap not counted).
    pub removed: usize,
}

impl Displayed {
    /// Whether nothing is left to show.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// What to do with one character.
enum Class {
    Keep,
    Space,
    Remove,
    Mark,
}

fn classify(c: char) -> Class {
    match c {
        // Bidi embeddings, overrides and isolates.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Class::Remove,
        // Invisible characters used to hide or spoof text: zero width space, word
        // joiner and invisible operators, deprecated format characters, byte order
        // mark, interlinear annotations, soft hyphen, Mongolian vowel separator.
        '\u{200B}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{00AD}'
        | '\u{180E}' => Class::Remove,
        // Blank-looking letters used to fake an empty text.
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' => Class::Space,
        c if c.is_whitespace() => Class::Space,
        c if c.is_control() => Class::Remove,
        // Variation selectors are marks, but belong to emoji: never capped.
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => Class::Keep,
        c => match get_general_category(c) {
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark => Class::Mark,
            GeneralCategory::Unassigned if ('\u{E0000}'..='\u{E0FFF}').contains(&c) => {
                Class::Remove
            }
            _ => Class::Keep,
        },
    }
}

impl DisplayPolicy {
    /// The same policy with another length cap.
    #[must_use]
    pub fn with_max_chars(mut self, max_chars: usize) -> Self {
        self.max_chars = max_chars;
        self
    }

    /// The same policy with another cut marker.
    #[must_use]
    pub fn with_ellipsis(mut self, ellipsis: impl Into<String>) -> Self {
        self.ellipsis = ellipsis.into();
        self
    }

    /// The same policy, isolating the text (see [`isolate`](Self::isolate)).
    #[must_use]
    pub fn with_isolate(mut self, isolate: bool) -> Self {
        self.isolate = isolate;
        self
    }

    /// The text fit to show.
    pub fn apply(&self, text: &str) -> Displayed {
        // Enough characters to fill the cap with long grapheme clusters, and to tell
        // whether there is more: the rest of the input is not looked at.
        let budget = self
            .max_chars
            .saturating_add(1)
            .saturating_mul(16 + self.max_combining_marks);
        let mut clean = String::new();
        let mut kept = 0usize;
        let mut removed = 0usize;
        let mut marks = 0usize;
        let mut pending_space = false;
        let mut more = false;
        for c in text.chars() {
            if kept >= budget {
                more = true;
                break;
            }
            match classify(c) {
                Class::Remove => removed += 1,
                Class::Space => pending_space = true,
                Class::Mark if marks >= self.max_combining_marks => {}
                class => {
                    if pending_space && !clean.is_empty() {
                        clean.push(' ');
                        kept += 1;
                    }
                    pending_space = false;
                    marks = if matches!(class, Class::Mark) {
                        marks + 1
                    } else {
                        0
                    };
                    clean.push(c);
                    kept += 1;
                }
            }
        }
        let (mut text, truncated) = self.cut(clean, more);
        if self.isolate && !text.is_empty() {
            text.insert(0, '\u{2068}');
            text.push('\u{2069}');
        }
        Displayed {
            text,
            truncated,
            removed,
        }
    }

    /// Cuts `text` to the cap on a grapheme boundary; `more` says input was left
    /// unread.
    fn cut(&self, text: String, more: bool) -> (String, bool) {
        let mut graphemes = text.grapheme_indices(true);
        let Some((end, _)) = graphemes.nth(self.max_chars) else {
            if !more {
                return (text, false);
            }
            // Unread input: the cap was not reached only because the budget ran out,
            // which cannot happen with clusters of sane length; cut anyway.
            return self.with_ellipsis_at(&text, text.len());
        };
        self.with_ellipsis_at(&text, end)
    }

    fn with_ellipsis_at(&self, text: &str, end: usize) -> (String, bool) {
        let marker = self.ellipsis.graphemes(true).count();
        if marker > self.max_chars {
            // No room for the marker: the cut is all there is.
            return (text[..end].trim_end().to_owned(), true);
        }
        let room = self.max_chars.saturating_sub(marker);
        let keep = text[..end]
            .grapheme_indices(true)
            .nth(room)
            .map_or(end, |(i, _)| i);
        let mut out = text[..keep].trim_end().to_owned();
        out.push_str(&self.ellipsis);
        (out, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> String {
        DisplayPolicy::default().apply(text).text
    }

    #[test]
    fn white_space_collapses_and_trims() {
        assert_eq!(show("  a \t\n b\u{2028}c\u{3000}\u{3164}d  "), "a b c d");
        assert_eq!(show(" \u{3164}\u{2800} "), "");
        assert!(DisplayPolicy::default().apply("\u{200B}").is_empty());
    }

    #[test]
    fn controls_and_bidi_overrides_are_removed() {
        let d = DisplayPolicy::default()
            .apply("a\u{0}b\u{7}c\u{9B}d\u{202E}e\u{2067}f\u{2069}\u{200B}\u{FEFF}");
        assert_eq!(d.text, "abcdef");
        assert_eq!(d.removed, 8);
        // Joiners and marks that scripts and emoji need stay.
        assert_eq!(
            show("👩\u{200D}💻 मि\u{200C}त्र \u{200F}"),
            "👩\u{200D}💻 मि\u{200C}त्र \u{200F}"
        );
    }

    #[test]
    fn combining_marks_are_capped() {
        let zalgo = format!("a{}b", "\u{301}".repeat(50));
        assert_eq!(show(&zalgo), format!("a{}b", "\u{301}".repeat(4)));
        // Vietnamese keeps its two marks.
        assert_eq!(show("e\u{302}\u{301}"), "e\u{302}\u{301}");
    }

    #[test]
    fn cut_on_grapheme_boundaries_with_a_marker() {
        let p = DisplayPolicy::default().with_max_chars(5);
        assert_eq!(p.apply("abcde").text, "abcde");
        assert!(!p.apply("abcde").truncated);
        let d = p.apply("abcdef");
        assert_eq!((d.text.as_str(), d.truncated), ("abcd…", true));
        // A family emoji is one character: never split.
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        assert_eq!(
            p.apply(&family.repeat(6)).text,
            format!("{}…", family.repeat(4))
        );
        // An accent stays with its letter.
        assert_eq!(p.apply("aaaae\u{301}e\u{301}").text, "aaaa…");
        // No space before the marker.
        assert_eq!(p.apply("abc def").text, "abc…");
        assert_eq!(
            DisplayPolicy::default().with_max_chars(0).apply("abc").text,
            ""
        );
        assert_eq!(
            DisplayPolicy::default()
                .with_max_chars(3)
                .with_ellipsis("[...]")
                .apply("abcdef")
                .text,
            "abc"
        );
    }

    #[test]
    fn isolation_wraps_the_text() {
        let p = DisplayPolicy::default().with_isolate(true);
        assert_eq!(p.apply("שלום").text, "\u{2068}שלום\u{2069}");
        assert_eq!(p.apply(" ").text, "");
    }

    #[test]
    fn huge_input_costs_the_cap_not_the_input() {
        let huge = "x".repeat(16 << 20);
        let d = DisplayPolicy::default().apply(&huge);
        assert_eq!(d.text.chars().count(), 140);
        assert!(d.truncated);
        let marks = format!("a{}", "\u{301}".repeat(1 << 20));
        assert_eq!(
            DisplayPolicy::default().apply(&marks).text.chars().count(),
            5
        );
    }
}

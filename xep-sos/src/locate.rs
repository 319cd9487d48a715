//! Where the members of a JSON document start, so that diagnostics can name a line and
//! column: serde_json reports positions only for syntax errors.

use alloc::borrow::Cow;
use std::collections::{HashMap, HashSet};

use xep_core::reading::Position;

/// Positions of object members down to `max_depth` levels, keyed by JSON Pointer.
#[derive(Debug, Default)]
pub(crate) struct Locations {
    /// Pointer -> position of the member's value (the last one, if the key repeats).
    values: HashMap<String, Position>,
    /// Pointer -> position of the opening `{` of an object value ("" is the root).
    objects: HashMap<String, Position>,
    /// Pointers whose key appears more than once in its object, in document order.
    pub(crate) duplicates: Vec<String>,
    /// Where the document's value starts.
    pub(crate) start: Option<Position>,
}

impl Locations {
    /// Where the value at `pointer` starts.
    pub(crate) fn value(&self, pointer: &str) -> Option<Position> {
        self.values.get(pointer).copied()
    }

    /// Where the object at `pointer` opens.
    pub(crate) fn object(&self, pointer: &str) -> Option<Position> {
        self.objects.get(pointer).copied()
    }
}

/// Escapes a key for a JSON Pointer (RFC 6901), as `xep_core::reading::Path::key` does.
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

enum Frame<'a> {
    Object {
        pointer: String,
        tracked: bool,
        expect_key: bool,
        key: Option<Cow<'a, str>>,
        seen: HashSet<Cow<'a, str>>,
    },
    Array,
}

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// Scans a document that serde_json has already accepted. Work is linear in its length;
/// strings are skipped a byte at a time and keys are borrowed unless they hold escapes.
pub(crate) fn locate(text: &str, max_depth: usize) -> Locations {
    let bytes = text.as_bytes();
    let mut out = Locations::default();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let (mut line, mut column) = (1usize, 1usize);
    // Pointer of the value about to start (set after a `:` in a tracked object).
    let mut pending: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let here = Position { line, column };
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b'}' | b']') {
            out.start.get_or_insert(here);
            if let Some(pointer) = pending.take() {
                out.values.insert(pointer, here);
            }
        }
        match c {
            b'"' => {
                // Skip to the closing quote, minding escapes.
                let mut end = i + 1;
                let mut escaped = false;
                while end < bytes.len() && bytes[end] != b'"' {
                    if bytes[end] == b'\\' {
                        escaped = true;
                        end += 1;
                    }
                    end += 1;
                }
                let end = end.min(bytes.len() - 1);
                column += bytes[i..=end].iter().filter(|b| starts_char(**b)).count();
                if let Some(Frame::Object {
                    expect_key: expect @ true,
                    key,
                    ..
                }) = stack.last_mut()
                {
                    *expect = false;
                    // `get`, not `[..]`: on text serde_json did not accept (an
                    // unterminated string) the cut may fall inside a character.
                    let raw = text.get(i..=end).unwrap_or_default();
                    *key = if escaped {
                        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
                    } else {
                        raw.get(1..raw.len().saturating_sub(1)).map(Cow::Borrowed)
                    };
                }
                i = end + 1;
                continue;
            }
            b':' => {
                let depth = stack.len();
                if let Some(Frame::Object {
                    pointer,
                    tracked: true,
                    key: Some(key),
                    seen,
                    ..
                }) = stack.last_mut()
                {
                    if depth <= max_depth {
                        let p = format!("{pointer}/{}", pointer_token(key));
                        if !seen.insert(key.clone()) {
                            out.duplicates.push(p.clone());
                        }
                        pending = Some(p);
                    }
                }
            }
            b',' => {
                if let Some(Frame::Object {
                    expect_key, key, ..
                }) = stack.last_mut()
                {
                    *expect_key = true;
                    *key = None;
                }
            }
            b'{' => {
                let (pointer, tracked) = match stack.last() {
                    None => (String::new(), true),
                    Some(Frame::Object {
                        pointer,
                        tracked: true,
                        key: Some(key),
                        ..
                    }) if stack.len() < max_depth => {
                        (format!("{pointer}/{}", pointer_token(key)), true)
                    }
                    // Inside arrays, or too deep: not tracked, but keep the nesting.
                    _ => (String::new(), false),
                };
                if tracked {
                    out.objects.insert(pointer.clone(), here);
                }
                stack.push(Frame::Object {
                    pointer,
                    tracked,
                    expect_key: true,
                    key: None,
                    seen: HashSet::new(),
                });
            }
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            _ => {}
        }
        if c == b'\n' {
            line += 1;
            column = 1;
        } else if starts_char(c) {
            column += 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `locate` runs on accepted documents only, but must not panic on a cut one: the
    /// key of an unterminated string ended inside a character (`{"é`) or before its
    /// opening quote's end (`{"`).
    #[test]
    fn unterminated_keys_do_not_panic() {
        for text in [
            "{\"\u{e9}",
            "{\"",
            "{\"\\",
            "{\"a\\\u{e9}",
            "{\"\u{1F600}\u{1F600}",
        ] {
            let _ = locate(text, 2);
        }
    }

    #[test]
    fn finds_members_two_levels_deep() {
        let text = "{\n  \"planned\": true,\n  \"message\": {\"default\": \"x\", \"a/b\": \"y\"},\n  \"list\": [{\"inner\": 1}],\n  \"é\": \"\\\"q\\\"\", \"last\": 2\n}";
        let l = locate(text, 2);
        assert_eq!(l.object(""), Some(Position { line: 1, column: 1 }));
        assert_eq!(
            l.value("/planned"),
            Some(Position {
                line: 2,
                column: 14
            })
        );
        assert_eq!(
            l.object("/message"),
            Some(Position {
                line: 3,
                column: 14
            })
        );
        assert_eq!(
            l.value("/message/default"),
            Some(Position {
                line: 3,
                column: 26
            })
        );
        assert_eq!(
            l.value("/message/a~1b"),
            Some(Position {
                line: 3,
                column: 38
            })
        );
        assert_eq!(l.value("/list/0/inner"), None);
        assert_eq!(l.value("/é"), Some(Position { line: 5, column: 8 }));
        assert_eq!(
            l.value("/last"),
            Some(Position {
                line: 5,
                column: 25
            })
        );
        assert!(l.duplicates.is_empty());
    }

    #[test]
    fn repeated_keys_point_at_the_last_value() {
        let l = locate(r#"{"a": 1, "a": 2}"#, 2);
        assert_eq!(
            l.value("/a"),
            Some(Position {
                line: 1,
                column: 15
            })
        );
        assert_eq!(l.duplicates, ["/a"]);
    }
}

//! Where the members of a JSON document start, so that diagnostics can name a line and
//! column: serde_json reports positions only for syntax errors.

use std::collections::HashMap;

/// A 1-based line and column (in characters).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

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

/// Escapes a key for a JSON Pointer (RFC 6901).
pub(crate) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

enum Frame {
    Object {
        pointer: String,
        expect_key: bool,
        key: Option<String>,
        seen: std::collections::HashSet<String>,
    },
    Array,
}

/// Scans a document that serde_json has already accepted. Work is linear in its length.
pub(crate) fn locate(text: &str, max_depth: usize) -> Locations {
    let mut out = Locations::default();
    let mut stack: Vec<Frame> = Vec::new();
    let (mut line, mut column) = (1usize, 1usize);
    let mut chars = text.char_indices().peekable();
    // Pointer of the value about to start (set after a `:` in a tracked object).
    let mut pending: Option<String> = None;
    while let Some((offset, c)) = chars.next() {
        let here = Position { line, column };
        let starts_value = !matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | ':' | '}' | ']');
        if starts_value {
            out.start.get_or_insert(here);
            if let Some(pointer) = pending.take() {
                out.values.insert(pointer, here);
            }
        }
        match c {
            '"' => {
                // Read to the closing quote, minding escapes.
                let start = offset;
                let mut end = offset + 1;
                let mut escaped = false;
                column += 1;
                for (o, s) in chars.by_ref() {
                    column += 1;
                    end = o + s.len_utf8();
                    if escaped {
                        escaped = false;
                    } else if s == '\\' {
                        escaped = true;
                    } else if s == '"' {
                        break;
                    }
                }
                if let Some(Frame::Object {
                    expect_key: expect @ true,
                    key,
                    ..
                }) = stack.last_mut()
                {
                    *expect = false;
                    *key = serde_json::from_str::<String>(&text[start..end]).ok();
                }
                continue;
            }
            ':' => {
                let depth = stack.len();
                if let Some(Frame::Object {
                    pointer,
                    key: Some(key),
                    seen,
                    ..
                }) = stack.last_mut()
                {
                    if depth <= max_depth && !pointer.starts_with('\u{0}') {
                        let p = format!("{pointer}/{}", pointer_token(key));
                        if !seen.insert(key.clone()) {
                            out.duplicates.push(p.clone());
                        }
                        pending = Some(p);
                    }
                }
            }
            ',' => {
                if let Some(Frame::Object {
                    expect_key, key, ..
                }) = stack.last_mut()
                {
                    *expect_key = true;
                    *key = None;
                }
            }
            '{' => {
                let pointer = match stack.last() {
                    None => String::new(),
                    Some(Frame::Object {
                        pointer,
                        key: Some(key),
                        ..
                    }) => format!("{pointer}/{}", pointer_token(key)),
                    // Inside arrays or unnamed: not tracked, but keep the nesting.
                    _ => "\u{0}".to_owned(),
                };
                if !pointer.starts_with('\u{0}') {
                    out.objects.insert(pointer.clone(), here);
                }
                stack.push(Frame::Object {
                    pointer,
                    expect_key: true,
                    key: None,
                    seen: Default::default(),
                });
            }
            '[' => stack.push(Frame::Array),
            '}' | ']' => {
                stack.pop();
            }
            _ => {}
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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

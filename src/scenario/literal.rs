//! Where each byte of a TOML string's value sits in the file, so an error
//! inside a string (a gate check) can be pointed at with a caret even when
//! the string has escapes (`\"`, `\u00e9`) or multibyte characters.

use std::ops::Range;

/// For the string literal at `span` of `source` whose parsed value is
/// `value`: the source offset of each byte offset of `value` (one entry per
/// byte, plus one for the end). `None` if the literal cannot be followed
/// (then point at the whole value instead).
pub fn value_offsets(source: &str, span: Range<usize>, value: &str) -> Option<Vec<usize>> {
    let literal = source.get(span.clone())?;
    let (quote, basic) = if literal.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if literal.starts_with("'''") {
        ("'''", false)
    } else if literal.starts_with('"') {
        ("\"", true)
    } else if literal.starts_with('\'') {
        ("'", false)
    } else {
        return None;
    };
    let body_start = span.start + quote.len();
    let body = source.get(body_start..span.end.checked_sub(quote.len())?)?;
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut decoded = String::with_capacity(value.len());
    let mut chars = body.char_indices().peekable();
    // A newline right after the opening delimiter of a multi-line string is
    // not part of the value.
    if quote.len() == 3 {
        if body.starts_with("\r\n") {
            chars.next();
            chars.next();
        } else if body.starts_with('\n') {
            chars.next();
        }
    }
    while let Some((at, c)) = chars.next() {
        let here = body_start + at;
        if !(basic && c == '\\') {
            push(&mut decoded, &mut offsets, c, here);
            continue;
        }
        let (_, escape) = chars.next()?;
        let c = match escape {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            '"' => '"',
            '\\' => '\\',
            'x' | 'u' | 'U' => {
                let digits = match escape {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..digits)
                    .map(|_| chars.next().map(|(_, d)| d))
                    .collect::<Option<String>>()?;
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            // A line-ending backslash: the newline and the whitespace after
            // it are not part of the value.
            c if c.is_whitespace() => {
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
                continue;
            }
            _ => return None,
        };
        push(&mut decoded, &mut offsets, c, here);
    }
    offsets.push(body_start + body.len());
    (decoded == value).then_some(offsets)
}

/// Appends `c` to the decoded value, every byte of it at `source_at`.
fn push(decoded: &mut String, offsets: &mut Vec<usize>, c: char, source_at: usize) {
    decoded.push(c);
    offsets.extend(std::iter::repeat_n(source_at, c.len_utf8()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(source: &str, value: &str) -> Option<Vec<usize>> {
        let start = source.find(['"', '\'']).unwrap_or(0);
        value_offsets(source, start..source.len(), value)
    }

    #[test]
    fn plain_strings_map_one_to_one() {
        let o = offsets(r#"check = "a <= 1""#, "a <= 1").unwrap();
        assert_eq!(o[0], 9);
        assert_eq!(o[6], 15);
    }

    #[test]
    fn escapes_and_multibyte_characters_are_followed() {
        let source = r#"check = "\u00e9 \" é""#;
        let o = offsets(source, "é \" é").unwrap();
        // é (2 bytes) from the 6-byte escape at 9; space; \" at 16; space; é at 19.
        assert_eq!(&o[..], &[9, 9, 15, 16, 18, 19, 19, 21]);
        assert_eq!(&source[o[5]..o[7]], "é");
    }

    #[test]
    fn literal_and_multi_line_strings() {
        assert!(offsets("c = 'a \\ b'", "a \\ b").is_some());
        let o = offsets("c = \"\"\"\nab\"\"\"", "ab").unwrap();
        assert_eq!(o[0], 8);
        assert!(offsets("c = \"\"\"a \\\n   b\"\"\"", "a b").is_some());
        assert!(
            offsets(r#"c = "x""#, "y").is_none(),
            "a value that does not match"
        );
    }
}

//! The check language's tokens: numbers with units, figure names,
//! comparisons, operators and parentheses, each with its byte span.

use std::fmt;
use std::ops::Range;

/// The most tokens a check may have: a check is a line, not a program (and
/// the parser and evaluator recurse, so this bounds their stack).
pub const MAX_TOKENS: usize = 256;

/// A parse error at a byte range of the check text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
    Ne,
}

impl Cmp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Le => a <= b,
            Cmp::Lt => a < b,
            Cmp::Ge => a >= b,
            Cmp::Gt => a > b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        }
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cmp::Le => "<=",
            Cmp::Lt => "<",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Number(f64),
    Name(String),
    Cmp(Cmp),
    Op(char),
    Open,
    Close,
}

/// Splits the text into tokens with their byte spans.
pub(super) fn tokenize(text: &str) -> Result<Vec<(Token, Range<usize>)>, ExprError> {
    let lexer = Lexer {
        text,
        chars: text.char_indices().collect(),
    };
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < lexer.chars.len() {
        let (start, c) = lexer.chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (token, len) = match c {
            '0'..='9' | '.' if c != '.' || lexer.digit_at(i + 1) => lexer.number(i)?,
            c if c.is_alphabetic() || c == '_' => lexer.name(i),
            '<' | '>' | '=' | '!' => lexer.comparison(i)?,
            '+' | '-' | '*' | '/' => (Token::Op(c), 1),
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            other => {
                return Err(ExprError {
                    span: start..lexer.end_of(i + 1),
                    message: format!("unexpected `{other}`"),
                });
            }
        };
        if tokens.len() == MAX_TOKENS {
            return Err(ExprError {
                span: start..text.len(),
                message: format!(
                    "the check is too long: at most {MAX_TOKENS} numbers, figures and operators"
                ),
            });
        }
        tokens.push((token, start..lexer.end_of(i + len)));
        i += len;
    }
    Ok(tokens)
}

/// The check's characters with their byte offsets; each lexing method reads
/// one token at a character index and says how many characters it took.
struct Lexer<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
}

impl Lexer<'_> {
    /// The byte offset of character `i` (the text's end past the last).
    fn end_of(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |c| c.0)
    }

    fn digit_at(&self, i: usize) -> bool {
        self.chars.get(i).is_some_and(|c| c.1.is_ascii_digit())
    }

    /// Characters from `i` while `keep` holds.
    fn run(&self, i: usize, keep: impl Fn(char) -> bool) -> usize {
        let mut j = i;
        while j < self.chars.len() && keep(self.chars[j].1) {
            j += 1;
        }
        j
    }

    /// A number and its unit: `20ms` is 20 000 (µs).
    fn number(&self, i: usize) -> Result<(Token, usize), ExprError> {
        let j = self.run(i, |c| c.is_ascii_digit() || c == '.');
        let digits = &self.text[self.end_of(i)..self.end_of(j)];
        let value: f64 = digits.parse().map_err(|_| ExprError {
            span: self.end_of(i)..self.end_of(j),
            message: format!("`{digits}` is not a number"),
        })?;
        let k = self.run(j, |c| c.is_alphabetic() || c == '%');
        let unit = &self.text[self.end_of(j)..self.end_of(k)];
        let scale = match unit {
            "" => 1.0,
            "ns" => 0.001,
            "us" | "µs" => 1.0,
            "ms" => 1_000.0,
            "s" => 1_000_000.0,
            "%" => 0.01,
            "k" => 1_000.0,
            "M" => 1_000_000.0,
            other => {
                return Err(ExprError {
                    span: self.end_of(j)..self.end_of(k),
                    message: format!("unknown unit `{other}` (use ns, us, ms, s, %, k or M)"),
                });
            }
        };
        Ok((Token::Number(value * scale), k - i))
    }

    /// A figure's dotted name.
    fn name(&self, i: usize) -> (Token, usize) {
        let j = self.run(i, |c| c.is_alphanumeric() || matches!(c, '_' | '.'));
        let name = self.text[self.end_of(i)..self.end_of(j)].trim_end_matches('.');
        (Token::Name(name.to_string()), j - i)
    }

    /// `<=`, `<`, `>=`, `>`, `==` or `!=`.
    fn comparison(&self, i: usize) -> Result<(Token, usize), ExprError> {
        let c = self.chars[i].1;
        let two = self.chars.get(i + 1).is_some_and(|n| n.1 == '=');
        let cmp = match (c, two) {
            ('<', true) => Cmp::Le,
            ('<', false) => Cmp::Lt,
            ('>', true) => Cmp::Ge,
            ('>', false) => Cmp::Gt,
            ('=', true) => Cmp::Eq,
            ('!', true) => Cmp::Ne,
            _ => {
                return Err(ExprError {
                    span: self.end_of(i)..self.end_of(i + 1),
                    message: format!(
                        "`{c}` alone is not a comparison (use <=, <, >=, >, == or !=)"
                    ),
                });
            }
        };
        Ok((Token::Cmp(cmp), if two { 2 } else { 1 }))
    }
}

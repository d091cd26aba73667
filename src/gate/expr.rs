//! The check language: `pooled.p99 <= 3 * pooled.p50`.
//!
//! ```text
//! check  := expr cmp expr            cmp: <= < >= > == !=
//! expr   := term (("+" | "-") term)*
//! term   := factor (("*" | "/") factor)*
//! factor := number [unit] | figure | "(" expr ")" | "-" factor
//! figure := mode ["." transport] "." name ["." qualifier]
//! unit   := ns us µs ms s (to µs) | % (÷100) | k M (×10³ ×10⁶)
//! ```
//!
//! Parsing is separate from evaluation: a check is parsed and its figures
//! validated with the scenario, and evaluated on the results after the run.

use std::ops::Range;

pub use super::lexer::{Cmp, ExprError, MAX_TOKENS};
use super::lexer::{Token, tokenize};

/// The deepest nesting of parentheses and signs.
pub const MAX_DEPTH: usize = 32;

/// A reference to a figure of a mode, as written: `pooled.https.p99`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureRef {
    /// The dotted path's parts.
    pub parts: Vec<String>,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Figure(FigureRef),
    Neg(Box<Expr>),
    Binary(char, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Every figure the expression refers to.
    pub fn figures(&self) -> Vec<&FigureRef> {
        match self {
            Expr::Number(_) => Vec::new(),
            Expr::Figure(f) => vec![f],
            Expr::Neg(e) => e.figures(),
            Expr::Binary(_, a, b) => {
                let mut all = a.figures();
                all.extend(b.figures());
                all
            }
        }
    }

    /// Evaluates with `figure` resolving references; `None` if a figure
    /// was not measured.
    pub fn eval(&self, figure: &dyn Fn(&FigureRef) -> Option<f64>) -> Option<f64> {
        Some(match self {
            Expr::Number(n) => *n,
            Expr::Figure(f) => figure(f)?,
            Expr::Neg(e) => -e.eval(figure)?,
            Expr::Binary(op, a, b) => {
                let (a, b) = (a.eval(figure)?, b.eval(figure)?);
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
        })
    }
}

/// A parsed check: `left cmp right`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub left: Expr,
    pub cmp: Cmp,
    pub right: Expr,
}

struct Parser {
    tokens: Vec<(Token, Range<usize>)>,
    at: usize,
    len: usize,
    /// Parentheses and signs open around the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.0)
    }

    fn span(&self) -> Range<usize> {
        self.tokens
            .get(self.at)
            .map_or(self.len..self.len, |t| t.1.clone())
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            span: self.span(),
            message: message.into(),
        })
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.term()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek() {
            let op = *op;
            self.at += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.factor()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek() {
            let op = *op;
            self.at += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, ExprError> {
        if self.depth >= MAX_DEPTH {
            return self.error(format!(
                "nested too deeply: at most {MAX_DEPTH} levels of parentheses and signs"
            ));
        }
        self.depth += 1;
        let factor = self.factor_inner();
        self.depth -= 1;
        factor
    }

    fn factor_inner(&mut self) -> Result<Expr, ExprError> {
        let span = self.span();
        match self.peek().cloned() {
            Some(Token::Number(n)) => {
                self.at += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                let parts: Vec<String> = name.split('.').map(str::to_string).collect();
                if parts.len() < 2 || parts.iter().any(String::is_empty) {
                    return Err(ExprError {
                        span,
                        message: format!(
                            "`{name}` is not a figure: write mode.figure, e.g. pooled.p99"
                        ),
                    });
                }
                Ok(Expr::Figure(FigureRef { parts, span }))
            }
            Some(Token::Op('-')) => {
                self.at += 1;
                Ok(Expr::Neg(Box::new(self.factor()?)))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.expr()?;
                if self.peek() != Some(&Token::Close) {
                    return self.error("expected `)`");
                }
                self.at += 1;
                Ok(inner)
            }
            Some(_) => self.error("expected a number, a figure (mode.figure) or `(`"),
            None => self.error("the check ends here, but a number or a figure should follow"),
        }
    }
}

/// Parses `left cmp right`.
pub fn parse(text: &str) -> Result<Comparison, ExprError> {
    let mut p = Parser {
        tokens: tokenize(text)?,
        at: 0,
        len: text.len(),
        depth: 0,
    };
    let left = p.expr()?;
    let cmp = match p.peek() {
        Some(Token::Cmp(c)) => *c,
        _ => return p.error("expected a comparison: <=, <, >=, >, == or !="),
    };
    p.at += 1;
    let right = p.expr()?;
    if p.peek().is_some() {
        return p.error("unexpected text after the check");
    }
    Ok(Comparison { left, cmp, right })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, figure: f64) -> bool {
        let c = parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        let f = |_: &FigureRef| Some(figure);
        matches!((c.left.eval(&f), c.right.eval(&f)), (Some(l), Some(r)) if c.cmp.holds(l, r))
    }

    #[test]
    fn parses_and_evaluates_with_precedence_and_units() -> Result<(), ExprError> {
        assert!(eval("pooled.handshakes <= 10", 10.0));
        assert!(!eval("pooled.handshakes < 10", 10.0));
        assert!(eval("pooled.p99 <= 20ms", 19_999.0));
        assert!(eval("pooled.p99 <= 2 * 3 + 4", 10.0));
        assert!(!eval("pooled.p99 <= 2 * (3 + 4) - 5", 10.0));
        assert!(eval("pooled.error_rate <= 1%", 0.01));
        assert!(eval("pooled.throughput >= 5k", 5_000.0));
        assert!(eval("-pooled.x < 0", 1.0));
        let c = parse("pooled.https.p99 <= 3 * pooled.p50")?;
        let names: Vec<_> = c
            .right
            .figures()
            .iter()
            .map(|f| f.parts.join("."))
            .collect();
        assert_eq!(names, ["pooled.p50"]);
        Ok(())
    }

    #[test]
    fn errors_point_at_the_offending_text() {
        let at = |text: &str| parse(text).unwrap_err();
        let e = at("pooled.p99 <= 20parsecs");
        assert_eq!(e.span, 16..23);
        assert!(e.message.contains("unknown unit"));
        let e = at("pooled.p99 <= 20 parsecs");
        assert_eq!(e.span, 17..24);
        let e = at("pooled.p99 20ms");
        assert_eq!(e.span, 11..15);
        assert!(e.message.contains("comparison"));
        let e = at("pooled.p99 <=");
        assert_eq!(e.span, 13..13);
        let e = at("pooled <= 1");
        assert_eq!(e.span, 0..6);
        let e = at("(pooled.p50 <= 1");
        assert!(e.message.contains("`)`"), "{}", e.message);
        let e = at("pooled.p50 = 1");
        assert!(e.message.contains("alone"));
    }

    #[test]
    fn huge_or_deep_checks_are_refused_not_overflowing_the_stack() {
        let deep = format!("{}1{} <= 2", "(".repeat(100), ")".repeat(100));
        assert!(
            parse(&deep)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        let signs = format!("{}1 <= 2", "-".repeat(100));
        assert!(
            parse(&signs)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        let huge = format!("{}1{} <= 2", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&huge).unwrap_err().message.contains("too long"));
        let sum = format!("1{} <= 2", " + 1".repeat(100_000));
        assert!(parse(&sum).unwrap_err().message.contains("too long"));
        let within = format!("{}1{} <= 2", "(".repeat(31), ")".repeat(31));
        assert!(parse(&within).is_ok());
    }

    #[test]
    fn multibyte_text_is_pointed_at_by_char_boundaries() {
        let e = parse("pooled.p99 <= 2 µµ").unwrap_err();
        assert!(e.span.start <= e.span.end);
        let text = "pooled.p99 <= 2 µµ";
        assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
        let e = parse("é <= 1").unwrap_err();
        assert!("é <= 1".is_char_boundary(e.span.end));
    }
}

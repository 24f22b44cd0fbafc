//! Display-width helpers: CJK glyphs and most emoji take two columns on screen and on a thermal
//! printer, so every measure here is `unicode-width`, never `len()` or `chars().count()`.

use unicode_width::UnicodeWidthStr;

/// Mark put where text had to be cut.
pub const CUT_MARK: char = '~';

/// Display width in columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Control characters (newline, tab, ESC) would break the layout and could inject printer
/// commands, so user text has them replaced by spaces.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Cuts `s` to at most `max` columns, marking the cut with `~`.
pub fn fit(s: &str, max: usize) -> String {
    fit_with(s, max, CUT_MARK)
}

/// Cuts `s` to at most `max` columns, marking the cut with `mark` (a one-column character).
pub fn fit_with(s: &str, max: usize, mark: char) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        let mut probe = out.clone();
        probe.push(mark);
        if width(&probe) > max {
            out.pop();
            break;
        }
    }
    // A prefix can, in rare grapheme cases, be wider than the whole; shrink until it fits.
    while !out.is_empty() && width(&out) + 1 > max {
        out.pop();
    }
    out.push(mark);
    out
}

/// Greedy word wrap to `max` columns. Breaks at spaces; a word wider than a line (CJK text has
/// no spaces, and ids can be long) is split between characters. No returned line is wider
/// than `max`, and the result has at least one line. Leading spaces (an indent) are kept on
/// every line when the line has room for them.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let clean = sanitize(s);
    let indent = clean.len() - clean.trim_start_matches(' ').len();
    if indent > 0 && indent + 4 <= max {
        let pad = " ".repeat(indent);
        return wrap_words(&clean[indent..], max - indent)
            .into_iter()
            .map(|l| format!("{pad}{l}"))
            .collect();
    }
    wrap_words(&clean, max)
}

fn wrap_words(clean: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in clean.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(word) <= max {
            line = word.to_string();
        } else {
            let mut pieces = split_word(word, max);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| fit(&l, max)).collect()
}

/// Splits one word into pieces of at most `max` columns.
fn split_word(word: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    for c in word.chars() {
        cur.push(c);
        if width(&cur) > max {
            cur.pop();
            if !cur.is_empty() {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.push(c);
            if width(&cur) > max {
                // A single glyph wider than the line: show that something was there.
                cur = CUT_MARK.to_string();
            }
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
}

/// `left` and `right` on one line of exactly `w` columns, `right` flush with the right edge.
/// If they do not fit together, `left` wraps and `right` goes right-aligned on its own line(s),
/// so amounts always end at the paper's right edge.
pub fn key_value(left: &str, right: &str, w: usize) -> Vec<String> {
    let right = sanitize(right).trim().to_string();
    let mut left_lines = wrap(left, w);
    if right.is_empty() {
        return left_lines;
    }
    let last = left_lines.pop().unwrap_or_default();
    let (lw, rw) = (width(&last), width(&right));
    if lw + 1 + rw <= w {
        let line = format!("{last}{}{right}", " ".repeat(w - lw - rw));
        left_lines.push(fit(&line, w));
        return left_lines;
    }
    if !last.is_empty() {
        left_lines.push(last);
    }
    for piece in wrap(&right, w) {
        left_lines.push(right_align(&piece, w));
    }
    left_lines
}

/// Pads on the left so the text ends at column `w`.
pub fn right_align(s: &str, w: usize) -> String {
    let s = fit(s, w);
    format!("{}{s}", " ".repeat(w.saturating_sub(width(&s))))
}

/// Pads on the left so the text sits in the middle of `w` columns (no trailing spaces).
pub fn center(s: &str, w: usize) -> String {
    let s = fit(s, w);
    format!("{}{s}", " ".repeat(w.saturating_sub(width(&s)) / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(width("咖啡"), 4);
        assert_eq!(width("TOTAL 合计"), 10);
    }

    #[test]
    fn wraps_at_spaces_and_splits_cjk_between_glyphs() {
        assert_eq!(wrap("Flat white oat milk", 10), ["Flat white", "oat milk"]);
        assert_eq!(wrap("珍珠奶茶大杯少冰", 6), ["珍珠奶", "茶大杯", "少冰"]);
        // A CJK glyph never straddles the edge: 5 columns hold two glyphs, not two and a half.
        assert_eq!(wrap("珍珠奶茶", 5), ["珍珠", "奶茶"]);
    }

    #[test]
    fn indent_is_kept_on_wrapped_lines() {
        assert_eq!(wrap("  2 x 4.50", 20), ["  2 x 4.50"]);
        assert_eq!(wrap("  aaa bbb", 7), ["  aaa", "  bbb"]);
    }

    #[test]
    fn control_characters_cannot_reach_the_printer() {
        assert_eq!(sanitize("a\x1b@b\nc"), "a @b c");
        assert_eq!(wrap("tea\x1bpcake", 20), ["tea pcake"]);
    }

    #[test]
    fn cut_text_is_marked() {
        assert_eq!(fit("Cappuccino", 6), "Cappu~");
        assert_eq!(fit("咖啡咖啡", 6), "咖啡~");
        assert_eq!(fit("tea", 6), "tea");
    }

    #[test]
    fn amounts_end_at_the_right_edge() {
        assert_eq!(
            key_value("TOTAL 合计", "USD 9.00", 24),
            ["TOTAL 合计      USD 9.00"]
        );
        let long = key_value("Merchant receives 商户实收", "USD 25.57", 20);
        assert!(long.iter().all(|l| width(l) <= 20));
        assert_eq!(long.last().map(|l| width(l)), Some(20));
        assert!(long.last().is_some_and(|l| l.ends_with("USD 25.57")));
    }

    #[test]
    fn centers_without_trailing_spaces() {
        assert_eq!(center("ab", 6), "  ab");
        assert_eq!(center("月光", 8), "  月光");
    }
}

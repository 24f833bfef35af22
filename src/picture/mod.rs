//! Pictures of a result: a run's report as data ([`data`], also the `--format json` document),
//! and, drawn from that data, the timeline of a failure ([`svg`]), the outcome histogram
//! ([`histogram`]), the timing chart ([`chart`]) and the self-contained HTML page that holds them
//! ([`html`], what `--report DIR` writes as `DIR/index.html`).
//!
//! Everything is written by hand as XHTML-clean text (every tag closed, every text escaped), so
//! an XML parser reads the page, and nothing on it is fetched or run: inline CSS, inline SVG, no
//! JavaScript, no URL.

pub mod chart;
pub mod data;
pub mod histogram;
pub mod html;
pub mod svg;

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// `text` safe inside an element or a double- or single-quoted attribute; control characters
/// (which XML does not allow) shown as `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, an ellipsis marking a cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(max.saturating_sub(1)).collect();
        clipped.push('…');
        clipped
    }
}

/// Makes `dir` ready to hold `index.html`: created if missing, refused if it is a file or cannot
/// be created or written. Returns the page's path.
pub fn prepare_report_dir(dir: &str) -> Result<PathBuf, String> {
    let path = Path::new(dir);
    if dir.is_empty() {
        return Err("--report needs a directory, not an empty path".to_owned());
    }
    if path.exists() && !path.is_dir() {
        return Err(format!("--report {dir:?} is a file, not a directory"));
    }
    std::fs::create_dir_all(path)
        .map_err(|error| format!("--report {dir:?}: cannot create the directory: {error}"))?;
    let page = path.join("index.html");
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&page)
        .map_err(|error| format!("--report {dir:?}: cannot write {}: {error}", page.display()))?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::{clip, escape};

    #[test]
    fn escaping_leaves_no_markup_and_no_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;\\u{1}"
        );
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}

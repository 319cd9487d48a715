//! Bytes -> XEP-0455 status file -> HTML status page.
//!
//! Whatever the file says, nothing from it becomes markup: the page's tags and
//! attribute names are exactly those of the page for the same file with harmless
//! message keys and texts, there is one `<script`, and every key and text appears
//! escaped. Nothing may panic on the way.

#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use xep_cli::page::{PageOptions, escape, read_for_page, render};
use xep_sos::StatusFile;
use xep_sos::status::Messages;

/// The page with attribute values and text runs removed.
fn skeleton(html: &str) -> String {
    let (mut out, mut in_tag, mut in_quote) = (String::new(), false, false);
    for c in html.chars() {
        match c {
            '"' if in_tag => {
                in_quote = !in_quote;
                out.push(c);
            }
            _ if in_quote => {}
            '<' => {
                in_tag = true;
                out.push(c);
            }
            '>' => {
                in_tag = false;
                out.push(c);
            }
            _ if in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok((file, _)) = read_for_page(text) else {
        return;
    };
    let options = PageOptions::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        "status.json",
    );
    let page = render(&file, &options);
    assert_eq!(page.matches("<script").count(), 1);
    let mut harmless = file.clone();
    if let StatusFile::Outage(status) = &mut harmless {
        if let Some(messages) = &status.message {
            for (key, text) in messages.iter() {
                assert!(page.contains(&format!("data-key=\"{}\"", escape(key))));
                assert!(page.contains(&format!("<p>{}</p>", escape(text))));
            }
            let replaced: Messages = messages
                .iter()
                .enumerate()
                .map(|(i, (key, _))| {
                    let key = if key == "default" {
                        key.to_owned()
                    } else {
                        format!("k{i}")
                    };
                    (key, "x".to_owned())
                })
                .collect();
            status.message = Some(replaced);
        }
    }
    assert_eq!(skeleton(&page), skeleton(&render(&harmless, &options)));
});

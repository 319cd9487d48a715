//! The status page: nothing from the status file becomes markup, and the page's
//! script picks the same message as the crates (checked with Node.js when it is
//! installed; the browser tests check it again in Chromium).

use std::process::Command;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use xep_cli::page::{PageOptions, SCRIPT, escape, read_for_page, render};
use xep_sos::StatusFile;
use xep_sos::Timestamp;
use xep_sos::status::{Messages, Status};

/// The page with every attribute value emptied and every text run removed: the
/// markup alone.
fn skeleton(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_quote = false;
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

fn options() -> PageOptions {
    PageOptions::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        "status.json",
    )
}

fn status(messages: Messages) -> StatusFile {
    StatusFile::Outage(Status {
        message: (!messages.is_empty()).then_some(messages),
        ..Status::new(Timestamp::parse("2026-11-22T10:00:00Z").unwrap())
    })
}

/// Text with plenty of HTML-significant characters and controls.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "[<>&\"'=/ a-z!\\-\\[\\]\\x00-\\x1f\\u{7f}-\\u{9f}\\u{2028}\\u{fffd}]{0,24}",
        Just("</p><script>alert(1)</script>".to_owned()),
        Just("\"><img src=x onerror=alert(1)>".to_owned()),
        Just("<!--".to_owned()),
        Just("]]><![CDATA[".to_owned()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the keys and texts, the page's markup is the markup of the same page
    /// with harmless keys and texts, and every text appears escaped.
    #[test]
    fn no_message_or_key_produces_markup(
        entries in proptest::collection::vec((hostile(), hostile()), 0..5),
        with_default in any::<bool>(),
        title in hostile(),
        href in hostile(),
    ) {
        let mut hostile_messages = Messages::new();
        let mut harmless = Messages::new();
        if with_default {
            hostile_messages.insert("default", entries.first().map_or("x", |e| e.1.as_str()));
            harmless.insert("default", "x");
        }
        for (i, (key, text)) in entries.iter().enumerate() {
            if key == "default" || hostile_messages.get(key).is_some() {
                continue;
            }
            hostile_messages.insert(key.clone(), text.clone());
            harmless.insert(format!("k{i}"), "x");
        }
        let hostile_options = PageOptions { title: title.clone(), json_href: href.clone(), ..options() };
        let page = render(&status(hostile_messages.clone()), &hostile_options);
        let reference = render(&status(harmless), &options());
        prop_assert_eq!(skeleton(&page), skeleton(&reference));
        prop_assert_eq!(page.matches("<script").count(), 1);
        for (key, text) in hostile_messages.iter() {
            let key_attr = format!("data-key=\"{}\"", escape(key));
            let text_p = format!("<p>{}</p>", escape(text));
            prop_assert!(page.contains(&key_attr));
            prop_assert!(page.contains(&text_p));
        }
        let escaped_title = format!("<h1>{}</h1>", escape(&title));
        prop_assert!(page.contains(&escaped_title));
    }

    /// Any status file text the page reader accepts has a page, and its markup does not
    /// depend on the message texts.
    #[test]
    fn any_json_text_gives_a_page_or_an_error(text in "\\PC{0,64}") {
        if let Ok((file, _)) = read_for_page(&text) {
            let page = render(&file, &options());
            prop_assert!(page.starts_with("<!DOCTYPE html>"));
            prop_assert_eq!(page.matches("<script").count(), 1);
        }
    }
}

/// One language-preference case: ranges, message keys, and the key the crates pick.
fn cases() -> Vec<(Vec<String>, Vec<String>)> {
    let range_atoms = [
        "de",
        "de-CH",
        "DE-ch",
        "de-CH-1996",
        "zh-Hant-x-a",
        "zh",
        "zh-Hant",
        "*",
        "",
        " de ",
        "en-GB",
        "en",
        "fr-CA",
        "pt-BR",
        "sr-Latn-RS",
        "x-a",
        "de-\u{e9}",
        "de-\u{e9}-b",
        "\u{85}de",
        "\u{feff}de",
        "\u{212a}",
        "k",
        "i-klingon",
        "de--CH",
    ];
    let key_atoms = [
        "default",
        "de",
        "DE",
        "de-CH",
        "en",
        "fr",
        "zh-Hant",
        "pt",
        "de-\u{e9}",
        "\u{e9}",
        "\u{212a}",
        "K",
        "k",
        "x",
        "",
        "*",
        "sr-Latn",
        "sr",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut out = Vec::new();
    for _ in 0..400 {
        let ranges = (0..next(4))
            .map(|_| range_atoms[next(range_atoms.len())].to_owned())
            .collect();
        let mut keys: Vec<String> = Vec::new();
        for _ in 0..next(6) {
            let k = key_atoms[next(key_atoms.len())].to_owned();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        out.push((ranges, keys));
    }
    out
}

/// What the crates pick: [`Messages::best_match_entry`].
fn rust_pick(ranges: &[String], keys: &[String]) -> Option<String> {
    let messages: Messages = keys
        .iter()
        .map(|k| (k.clone(), format!("text {k}")))
        .collect();
    let ranges: Vec<&str> = ranges.iter().map(String::as_str).collect();
    messages
        .best_match_entry(&ranges)
        .map(|(k, _)| k.to_owned())
}

/// A script printing, for every case, the key the page's script picks (JSON lines).
pub fn js_harness(cases: &[(Vec<String>, Vec<String>)]) -> String {
    let data = serde_json::to_string(cases).unwrap();
    format!(
        "{SCRIPT}\nvar cases = {data};\nvar out = cases.map(function (c) {{ return xepPick(c[0], c[1]); }});\n"
    )
}

#[test]
fn page_script_picks_the_same_message_as_the_crates_in_node() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node is not installed: skipped (the browser tests check this in Chromium)");
        return;
    }
    let cases = cases();
    // Keys are written back in the order Messages keeps them (`default` first).
    let cases: Vec<_> = cases
        .into_iter()
        .map(|(r, k)| {
            let m: Messages = k.iter().map(|k| (k.clone(), String::new())).collect();
            (r, m.iter().map(|(k, _)| k.to_owned()).collect::<Vec<_>>())
        })
        .collect();
    let script = format!("{}console.log(JSON.stringify(out));\n", js_harness(&cases));
    let dir = std::env::temp_dir().join(format!("xep-page-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pick.js");
    std::fs::write(&path, script).unwrap();
    let output = Command::new("node").arg(&path).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let js: Vec<Option<String>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(js.len(), cases.len());
    let mut matched = 0;
    for ((ranges, keys), js) in cases.iter().zip(js) {
        let rust = rust_pick(ranges, keys);
        assert_eq!(js, rust, "ranges {ranges:?}, keys {keys:?}");
        matched += usize::from(rust.as_deref().is_some_and(|k| k != "default"));
    }
    // The cases exercise real matches, not only the fallback.
    assert!(matched > 100, "{matched}");
}

/// `xepLookup` in the page's script against `xep_core::lang::lookup` itself, on the
/// same ranges and tag lists (Node.js when installed).
#[test]
fn page_script_lookup_is_xep_core_lookup_in_node() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("node is not installed: skipped (the browser tests check this in Chromium)");
        return;
    }
    let cases: Vec<(String, Vec<String>)> = cases()
        .into_iter()
        .flat_map(|(ranges, keys)| ranges.into_iter().map(move |r| (r, keys.clone())))
        .collect();
    let data = serde_json::to_string(&cases).unwrap();
    let script = format!(
        "{SCRIPT}\nconsole.log(JSON.stringify({data}.map(function (c) {{ return xepLookup(c[0], c[1]); }})));\n"
    );
    let dir = std::env::temp_dir().join(format!("xep-page-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lookup.js");
    std::fs::write(&path, script).unwrap();
    let output = Command::new("node").arg(&path).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let js: Vec<i64> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(js.len(), cases.len());
    let mut found = 0;
    for ((range, tags), js) in cases.iter().zip(js) {
        let rust = xep_core::lang::lookup(range, tags.iter().map(String::as_str));
        let rust = rust.map_or(-1, |i| i as i64);
        assert_eq!(js, rust, "range {range:?}, tags {tags:?}");
        found += usize::from(rust >= 0);
    }
    assert!(found > 50, "{found}");
}

#[test]
fn skeleton_ignores_values_and_text() {
    assert_eq!(
        skeleton("<p class=\"a>b\">x&lt;y</p>"),
        "<p class=\"\"></p>"
    );
}

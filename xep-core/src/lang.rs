//! Language-tagged text and RFC 4647 "Lookup".
//!
//! Several payloads carry the same text in several languages: `<description xml:lang>`
//! children in XML, `message` maps keyed by BCP 47 tags in the XEP-0455 status file.
//! [`LangMap`] holds such a set, with at most one untagged (default) text, and
//! [`LangMap::best_match`] picks the text to show for a user's language preferences.
//!
//! Tags are parsed and normalised (case) with the `oxilangtag` crate, an RFC 5646
//! implementation; matching follows the "Lookup" scheme of RFC 4647 section 3.4.

use alloc::collections::BTreeMap;
use core::fmt;
use core::str::FromStr;

use oxilangtag::LanguageTag;

use crate::error::Error;

/// A well-formed BCP 47 language tag (RFC 5646), normalised to its canonical case
/// (`en-us` becomes `en-US`, `ZH-hant` becomes `zh-Hant`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lang(LanguageTag<String>);

impl Lang {
    /// Parses and normalises a tag; refuses anything that is not well-formed BCP 47.
    ///
    /// ```
    /// # use xep_core::lang::Lang;
    /// assert_eq!(Lang::parse("pt-br").unwrap().as_str(), "pt-BR");
    /// assert!(Lang::parse("en_US").is_err());
    /// ```
    pub fn parse(tag: &str) -> Result<Self, Error> {
        LanguageTag::parse_and_normalize(tag)
            .map(Self)
            .map_err(|e| Error::LanguageTag {
                tag: tag.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Reads a tag the way real peers write them: surrounding white space is trimmed
    /// and `_` separators (POSIX locale style, `en_US`) are read as `-`.
    ///
    /// Returns the tag and whether the input needed such repairs; an input that is not
    /// a tag even after repair is an error.
    pub fn parse_lenient(tag: &str) -> Result<(Self, bool), Error> {
        if let Ok(lang) = Self::parse(tag) {
            return Ok((lang, false));
        }
        let repaired = tag.trim().replace('_', "-");
        Self::parse(&repaired)
            .map(|lang| (lang, true))
            .map_err(|_| Error::LanguageTag {
                tag: tag.to_owned(),
                reason: "not a BCP 47 language tag".to_owned(),
            })
    }

    /// The normalised tag.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The primary language subtag (`de` for `de-CH-1996`).
    pub fn primary_language(&self) -> &str {
        self.0.primary_language()
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lang({:?})", self.as_str())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl AsRef<str> for Lang {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// RFC 4647 section 3.4 "Lookup" for a single language range against a set of tags.
///
/// The range is progressively truncated from the end (`de-CH-1996`, `de-CH`, `de`),
/// dropping a single-letter subtag left at the end (`zh-Hant-x` is not tried); the
/// first truncation equal to an available tag (ignoring case) wins. The wildcard `*`
/// matches nothing here: it only means "the default", which the caller supplies.
/// Returns the index into `available`.
pub fn lookup<'a, I>(range: &str, available: I) -> Option<usize>
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    let available = available.into_iter();
    let mut candidate = range.trim();
    while !candidate.is_empty() && candidate != "*" {
        if let Some(i) = available
            .clone()
            .position(|tag| tag.eq_ignore_ascii_case(candidate))
        {
            return Some(i);
        }
        let Some(cut) = candidate.rfind('-') else {
            break;
        };
        candidate = &candidate[..cut];
        // "If the resulting range ends with a single-character subtag, remove it too."
        if let Some(cut) = candidate.rfind('-') {
            if candidate.len() - cut == 2 {
                candidate = &candidate[..cut];
            }
        }
    }
    None
}

/// The fallback after [`lookup`] failed for every range: the first of `available`
/// (in their order) whose primary language subtag is that of a range, trying the
/// ranges in order. A reader who asked for `de-CH` is better served by `de-AT` than
/// by a text in another language. Ranges and tags whose first subtag is not a
/// language (`*`, `x-…`, `i-…`) match nothing. Returns the index into `available`.
///
/// ```
/// use xep_core::lang::same_language;
/// assert_eq!(same_language(&["de-CH", "fr"], ["en", "fr-CA", "de-AT"]), Some(2));
/// assert_eq!(same_language(&["pt"], ["pt-BR"]), Some(0));
/// assert_eq!(same_language(&["*", "x-klingon"], ["x-klingon"]), None);
/// ```
pub fn same_language<'a, I>(ranges: &[&str], available: I) -> Option<usize>
where
    I: IntoIterator<Item = &'a str>,
    I::IntoIter: Clone,
{
    fn primary(tag: &str) -> Option<&str> {
        let first = tag.trim().split('-').next()?;
        (first.len() >= 2 && first.bytes().all(|b| b.is_ascii_alphabetic())).then_some(first)
    }
    let available = available.into_iter();
    ranges.iter().find_map(|range| {
        let wanted = primary(range)?;
        available
            .clone()
            .position(|tag| primary(tag).is_some_and(|p| p.eq_ignore_ascii_case(wanted)))
    })
}

/// A set of texts, each with an optional language: at most one untagged (default) text
/// and at most one per language tag.
///
/// ```
/// # use xep_core::lang::{Lang, LangMap};
/// let mut m = LangMap::new();
/// m.insert(None, "Maintenance tonight");
/// m.insert(Some(Lang::parse("de").unwrap()), "Wartung heute Nacht");
/// m.insert(Some(Lang::parse("fr-CA").unwrap()), "Entretien ce soir");
/// assert_eq!(m.best_match(&["de-CH", "en"]), Some("Wartung heute Nacht"));
/// assert_eq!(m.best_match(&["FR-ca"]), Some("Entretien ce soir"));
/// // No `fr`: a text in the same primary language beats the default.
/// assert_eq!(m.best_match(&["fr"]), Some("Entretien ce soir"));
/// assert_eq!(m.best_match(&["it"]), Some("Maintenance tonight"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LangMap {
    /// The untagged text, if any.
    #[serde(default, deserialize_with = "crate::xml::deserialize_xml_text")]
    default: Option<String>,
    /// Texts keyed by normalised language tag.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    tagged: BTreeMap<Lang, String>,
}

impl LangMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the text for a language (or the default text for `None`), returning the text
    /// it replaces.
    pub fn insert(&mut self, lang: Option<Lang>, text: impl Into<String>) -> Option<String> {
        match lang {
            None => self.default.replace(text.into()),
            Some(lang) => self.tagged.insert(lang, text.into()),
        }
    }

    /// The text for exactly this language (or the default text for `None`).
    pub fn get(&self, lang: Option<&Lang>) -> Option<&str> {
        match lang {
            None => self.default.as_deref(),
            Some(lang) => self.tagged.get(lang).map(String::as_str),
        }
    }

    /// The untagged text.
    pub fn default_text(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// Removes a text, returning it.
    pub fn remove(&mut self, lang: Option<&Lang>) -> Option<String> {
        match lang {
            None => self.default.take(),
            Some(lang) => self.tagged.remove(lang),
        }
    }

    /// Number of texts, the default one included.
    pub fn len(&self) -> usize {
        self.tagged.len() + usize::from(self.default.is_some())
    }

    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All texts: the default one first, then by tag.
    pub fn iter(&self) -> impl Iterator<Item = (Option<&Lang>, &str)> {
        self.default
            .as_deref()
            .map(|t| (None, t))
            .into_iter()
            .chain(self.tagged.iter().map(|(l, t)| (Some(l), t.as_str())))
    }

    /// The best text for a user whose language preferences are `ranges`, most
    /// preferred first.
    ///
    /// Each range is tried in turn with RFC 4647 Lookup ([`lookup`]); when none
    /// matches, a text in the same primary language as a range ([`same_language`]:
    /// `de-AT` for a user asking for `de-CH`), then the untagged text, and when there
    /// is none, the text of the first tag in order, so that a user is always shown
    /// something when there is anything to show.
    ///
    /// ```
    /// # use xep_core::lang::{Lang, LangMap};
    /// let mut m = LangMap::new();
    /// m.insert(None, "Maintenance tonight");
    /// m.insert(Some(Lang::parse("de-AT").unwrap()), "Wartung heute Nacht");
    /// assert_eq!(m.best_match(&["de-CH"]), Some("Wartung heute Nacht"));
    /// assert_eq!(m.best_match(&["fr"]), Some("Maintenance tonight"));
    /// ```
    pub fn best_match(&self, ranges: &[&str]) -> Option<&str> {
        self.best_match_entry(ranges).map(|(_, text)| text)
    }

    /// Like [`best_match`](Self::best_match), also telling which language was chosen.
    pub fn best_match_entry(&self, ranges: &[&str]) -> Option<(Option<&Lang>, &str)> {
        let tags = self.tagged.keys().map(Lang::as_str);
        for range in ranges {
            if let Some(i) = lookup(range, tags.clone()) {
                let (lang, text) = self.tagged.iter().nth(i).expect("index from lookup");
                return Some((Some(lang), text.as_str()));
            }
        }
        if let Some(i) = same_language(ranges, tags) {
            let (lang, text) = self.tagged.iter().nth(i).expect("index from same_language");
            return Some((Some(lang), text.as_str()));
        }
        self.iter().next()
    }
}

impl FromIterator<(Option<Lang>, String)> for LangMap {
    fn from_iter<T: IntoIterator<Item = (Option<Lang>, String)>>(iter: T) -> Self {
        let mut map = Self::new();
        for (lang, text) in iter {
            map.insert(lang, text);
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    #[test]
    fn parse_normalises_case() {
        assert_eq!(lang("EN-us").as_str(), "en-US");
        assert_eq!(lang("zh-hant-tw").as_str(), "zh-Hant-TW");
        assert_eq!(lang("de-CH-1996").primary_language(), "de");
    }

    #[test]
    fn parse_refuses_garbage_with_the_tag_in_the_message() {
        let err = Lang::parse("en_US").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid language tag \"en_US\""),
            "{err}"
        );
        assert!(Lang::parse("").is_err());
        assert!(Lang::parse("toolongprimarytag").is_err());
    }

    #[test]
    fn lenient_parse_repairs_posix_locales() {
        assert_eq!(Lang::parse_lenient("en_US").unwrap(), (lang("en-US"), true));
        assert_eq!(Lang::parse_lenient(" de ").unwrap(), (lang("de"), true));
        assert_eq!(Lang::parse_lenient("fr").unwrap(), (lang("fr"), false));
        assert!(Lang::parse_lenient("!!").is_err());
    }

    #[test]
    fn lookup_truncates_progressively() {
        let tags = ["de", "en-GB", "zh-Hant"];
        assert_eq!(lookup("de-CH-1996", tags), Some(0));
        assert_eq!(lookup("en-gb-oxendict", tags), Some(1));
        assert_eq!(lookup("en", tags), None, "lookup never widens a tag");
        assert_eq!(lookup("zh-Hant-x-private", tags), Some(2));
        assert_eq!(lookup("*", tags), None);
        assert_eq!(lookup("", tags), None);
    }

    #[test]
    fn lookup_drops_trailing_singleton() {
        // "zh-Hant-CN-x-private1" -> "zh-Hant-CN-x-private1", "zh-Hant-CN" (x removed)
        assert_eq!(lookup("zh-Hant-CN-x-private1", ["zh-Hant-CN-x"]), None);
        assert_eq!(lookup("zh-Hant-CN-x-private1", ["zh-Hant-CN"]), Some(0));
    }

    #[test]
    fn best_match_prefers_ranges_in_order_then_default_then_first_tag() {
        let mut m = LangMap::new();
        m.insert(Some(lang("fr")), "fr");
        m.insert(Some(lang("de")), "de");
        assert_eq!(m.best_match(&["it", "fr-BE", "de"]), Some("fr"));
        assert_eq!(m.best_match(&["it"]), Some("de"), "first tag in order");
        m.insert(None, "default");
        assert_eq!(m.best_match(&["it"]), Some("default"));
        assert_eq!(m.best_match(&[]), Some("default"));
        assert_eq!(
            m.best_match_entry(&["de-AT"]),
            Some((Some(&lang("de")), "de"))
        );
        assert_eq!(LangMap::new().best_match(&["en"]), None);
    }

    #[test]
    fn after_lookup_a_text_in_the_same_primary_language_beats_the_default() {
        let mut m = LangMap::new();
        m.insert(None, "default");
        m.insert(Some(lang("de-AT")), "de-AT");
        m.insert(Some(lang("en-GB")), "en-GB");
        m.insert(Some(lang("fr-CA")), "fr-CA");
        // Lookup of de-CH tries de-CH and de; neither is there.
        assert_eq!(lookup("de-CH", ["de-AT", "en-GB", "fr-CA"]), None);
        assert_eq!(m.best_match(&["de-CH"]), Some("de-AT"));
        // Ranges in order: an exact match of a later range still beats the fallback.
        assert_eq!(m.best_match(&["de-CH", "en-GB"]), Some("en-GB"));
        // The fallback tries the ranges in order too.
        assert_eq!(m.best_match(&["it", "fr", "de"]), Some("fr-CA"));
        assert_eq!(m.best_match(&["it"]), Some("default"));
        assert_eq!(m.best_match(&["*"]), Some("default"));
    }

    #[test]
    fn insert_replaces_and_counts() {
        let mut m = LangMap::new();
        assert_eq!(m.insert(None, "a"), None);
        assert_eq!(m.insert(None, "b"), Some("a".into()));
        assert_eq!(m.insert(Some(lang("en")), "c"), None);
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(Some(&lang("EN"))), Some("c"));
        assert_eq!(m.remove(None), Some("b".into()));
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![(Some(&lang("en")), "c")]);
    }

    #[test]
    fn lang_serde_round_trip_and_refusal() {
        let l: Lang = serde_json::from_str("\"pt-br\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"pt-BR\"");
        assert!(serde_json::from_str::<Lang>("\"pt_BR!\"").is_err());
    }

    proptest! {
        #[test]
        fn normalised_tags_round_trip(tag in "[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?") {
            let l = lang(&tag);
            let again = lang(l.as_str());
            prop_assert_eq!(again.as_str(), l.as_str());
            prop_assert!(l.as_str().eq_ignore_ascii_case(&tag));
        }

        #[test]
        fn exact_tag_always_found(tag in "[a-z]{2,3}(-[A-Z]{2})?", extra in "(-[a-z0-9]{5,8})?") {
            let mut m = LangMap::new();
            m.insert(None, "default");
            m.insert(Some(lang(&tag)), "hit");
            let range = format!("{tag}{extra}");
            prop_assert_eq!(m.best_match(&[&range]), Some("hit"));
        }
    }
}

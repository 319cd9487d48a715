//! The `external-status-addresses` disco form (XEP-0128), under the seed FORM_TYPE
//! `urn:xmpp:tmp:sos` and XEP-0455's `urn:xmpp:sos:0`.
//!
//! Reading is lenient the way INTEROP P12 asks: the field is multi-valued whatever its
//! `type` (an untyped single value is one address, not a list of characters); the
//! FORM_TYPE is found with or without `type='hidden'`; several forms, under one or both
//! FORM_TYPEs, are merged and deduplicated; a `list-multi` with no value means "no
//! address". Values that are not URIs (xs:anyURI, checked as RFC 3987 IRIs) or not
//! `http:`/`https:` are kept and reported as deviations.
//!
//! ```
//! use xep_sos::disco::ExternalStatusAddresses;
//! use xep_sos::Version;
//! use xmpp_parsers::disco::DiscoInfoResult;
//!
//! let info: DiscoInfoResult = "<query xmlns='http://jabber.org/protocol/disco#info'>\
//!     <x xmlns='jabber:x:data' type='result'>\
//!       <field var='FORM_TYPE'><value>urn:xmpp:sos:0</value></field>\
//!       <field var='external-status-addresses'><value>https://status.example.org/xmpp.json</value></field>\
//!     </x></query>"
//!     .parse::<minidom::Element>()?
//!     .try_into()?;
//! let found = ExternalStatusAddresses::from_disco(&info).expect("form present")?;
//! assert_eq!(found.value.addresses, ["https://status.example.org/xmpp.json"]);
//! // FORM_TYPE without type='hidden' is read, and reported.
//! assert_eq!(found.deviations.len(), 1);
//!
//! // Written in the namespace asked for.
//! let form = found.value.to_form(Version::Seed);
//! assert_eq!(form.form_type(), Some("urn:xmpp:tmp:sos"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;

use xep_core::forms::{
    Deviation, DeviationKind, FieldSpec, FormReader, Reading, TypedForm, list_multi_field,
};
use xmpp_parsers::data_forms::{DataForm, Field, FieldType};
use xmpp_parsers::disco::DiscoInfoResult;

use crate::{Error, Version, ns};

/// The registered field.
pub const FIELD_VAR: &str = "external-status-addresses";

const FIELDS: &[FieldSpec] = &[FieldSpec {
    var: FIELD_VAR,
    type_: FieldType::ListMulti,
    label: "One or more addresses containing a file with the server status",
}];

/// The addresses of a server's external status file, whichever FORM_TYPE carried them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExternalStatusAddresses {
    /// The addresses, in the order the server gave them, without duplicates.
    pub addresses: Vec<String>,
}

/// Whether an address is one a client can fetch: an absolute `http:` or `https:` URI
/// ("Links present inside the 'external-status-addresses' field SHOULD use HTTP/HTTPS
/// protocol").
pub fn is_http(address: &str) -> bool {
    xep_core::forms::is_uri(address)
        && address.split_once(':').is_some_and(|(scheme, _)| {
            matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
        })
}

impl ExternalStatusAddresses {
    /// The addresses a client can fetch, in order: the `http:`/`https:` ones.
    pub fn fetchable(&self) -> impl Iterator<Item = &str> {
        self.addresses
            .iter()
            .map(String::as_str)
            .filter(|a| is_http(a))
    }

    /// Reads every form carrying either FORM_TYPE: the `urn:xmpp:sos:0` ones first, then
    /// the seed's, merged and deduplicated. `None` when neither FORM_TYPE is present.
    ///
    /// The deviations of both readings are listed (those of `urn:xmpp:sos:0` first),
    /// plus a [`DeviationKind::DuplicateValue`] for an address given under both.
    /// `unknown_fields` holds the other fields of both FORM_TYPEs.
    pub fn from_forms<'a, I>(forms: I) -> Option<Result<Reading<Self>, Error>>
    where
        I: IntoIterator<Item = &'a DataForm>,
        I::IntoIter: Clone,
    {
        let forms = forms.into_iter();
        let current = Xep0455Form::from_forms(forms.clone());
        let seed = SeedForm::from_forms(forms);
        let readings: Vec<Reading<Self>> = match (current, seed) {
            (None, None) => return None,
            (a, b) => {
                let mut out = Vec::new();
                for r in [
                    a.map(|r| r.map(|r| unwrap_reading(r, |f| f.0))),
                    b.map(|r| r.map(|r| unwrap_reading(r, |f| f.0))),
                ]
                .into_iter()
                .flatten()
                {
                    match r {
                        Ok(r) => out.push(r),
                        Err(e) => return Some(Err(e.into())),
                    }
                }
                out
            }
        };
        let mut merged = Reading {
            value: Self::default(),
            deviations: Vec::new(),
            unknown_fields: Vec::new(),
        };
        let mut seen: HashSet<String> = HashSet::new();
        for reading in readings {
            merged.deviations.extend(reading.deviations);
            merged.unknown_fields.extend(reading.unknown_fields);
            for address in reading.value.addresses {
                if seen.insert(address.clone()) {
                    merged.value.addresses.push(address);
                } else {
                    merged.deviations.push(Deviation {
                        field: Some(FIELD_VAR.to_owned()),
                        kind: DeviationKind::DuplicateValue { value: address },
                    });
                }
            }
        }
        Some(Ok(merged))
    }

    /// [`from_forms`](Self::from_forms) over a disco#info result's extensions.
    pub fn from_disco(info: &DiscoInfoResult) -> Option<Result<Reading<Self>, Error>> {
        Self::from_forms(&info.extensions)
    }

    /// The form for `version`'s FORM_TYPE (`urn:xmpp:tmp:sos` for the seed,
    /// `urn:xmpp:sos:0` otherwise), `type='result'`, hidden FORM_TYPE, `list-multi`
    /// field. With no address, the field is written with no value, as Prosody does.
    pub fn to_form(&self, version: Version) -> DataForm {
        match version {
            Version::Seed => SeedForm(self.clone()).to_form(),
            Version::V0_2 | Version::V0_4 => Xep0455Form(self.clone()).to_form(),
        }
    }
}

fn unwrap_reading<T>(
    r: Reading<T>,
    f: impl FnOnce(T) -> ExternalStatusAddresses,
) -> Reading<ExternalStatusAddresses> {
    Reading {
        value: f(r.value),
        deviations: r.deviations,
        unknown_fields: r.unknown_fields,
    }
}

fn read_addresses(reader: &mut FormReader<'_>) -> ExternalStatusAddresses {
    // xs:anyURI collapses white space, so a pretty-printed `<value>` reads; the
    // trimmed values are then deduplicated.
    let mut addresses: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for raw in reader.values(FIELD_VAR) {
        let value = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        if seen.insert(value) {
            addresses.push(value.to_owned());
        } else {
            let kind = DeviationKind::DuplicateValue {
                value: value.to_owned(),
            };
            reader.deviate(FIELD_VAR, kind);
        }
    }
    for address in &addresses {
        if !xep_core::forms::is_uri(address) {
            // "Values of 'external-status-addresses' form field MUST be valid URIs,
            // i.e. comply with the 'xs:anyURI' datatype"
            let kind = DeviationKind::InvalidUri {
                value: address.clone(),
                required: true,
            };
            reader.deviate(FIELD_VAR, kind);
        } else if !is_http(address) {
            // "Links present inside the 'external-status-addresses' field SHOULD use
            // HTTP/HTTPS protocol": others are kept and reported.
            reader.deviate(
                FIELD_VAR,
                DeviationKind::Other(
                    format!("address {address:?} is not http: or https: (the spec says SHOULD)")
                        .into(),
                ),
            );
        }
    }
    ExternalStatusAddresses { addresses }
}

fn write_addresses(value: &ExternalStatusAddresses) -> Vec<Field> {
    vec![list_multi_field(&FIELDS[0], &value.addresses)]
}

/// [`ExternalStatusAddresses`] under the seed FORM_TYPE `urn:xmpp:tmp:sos`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeedForm(pub ExternalStatusAddresses);

impl TypedForm for SeedForm {
    const FORM_TYPE: &'static str = ns::SOS_TMP;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn read(reader: &mut FormReader<'_>) -> Result<Self, xep_core::Error> {
        Ok(Self(read_addresses(reader)))
    }

    fn write(&self) -> Vec<Field> {
        write_addresses(&self.0)
    }
}

/// [`ExternalStatusAddresses`] under XEP-0455's FORM_TYPE `urn:xmpp:sos:0`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Xep0455Form(pub ExternalStatusAddresses);

impl TypedForm for Xep0455Form {
    const FORM_TYPE: &'static str = ns::SOS_0;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn read(reader: &mut FormReader<'_>) -> Result<Self, xep_core::Error> {
        Ok(Self(read_addresses(reader)))
    }

    fn write(&self) -> Vec<Field> {
        write_addresses(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidom::Element;

    fn form(xml: &str) -> DataForm {
        DataForm::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    const X: &str = "xmlns='jabber:x:data'";

    fn shown(r: &Reading<ExternalStatusAddresses>) -> Vec<String> {
        r.deviations.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn prosody_list_multi_reads_cleanly_and_round_trips() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://a.example/status.json</value><value>http://b.example/s.json</value></field></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert_eq!(
            r.value.addresses,
            ["https://a.example/status.json", "http://b.example/s.json"]
        );
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        let written = r.value.to_form(Version::V0_4);
        assert_eq!(Element::from(written), Element::from(f));
    }

    #[test]
    fn p12_untyped_single_value_is_one_address() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:tmp:sos</value></field><field var='external-status-addresses'><value>http://secondary.shakespeare.lit/status.json</value></field></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert_eq!(
            r.value.addresses,
            ["http://secondary.shakespeare.lit/status.json"]
        );
        assert!(r.deviations.is_empty());
    }

    #[test]
    fn p12_form_type_not_hidden_is_read_and_reported() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://a.example/s.json</value></field></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.addresses, ["https://a.example/s.json"]);
        assert_eq!(
            shown(&r),
            ["FORM_TYPE field lacks type='hidden' (XEP-0068)"]
        );
    }

    #[test]
    fn p12_empty_list_multi_means_no_address() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'/></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert!(r.value.addresses.is_empty());
        assert!(r.deviations.is_empty());
        assert_eq!(r.value.fetchable().count(), 0);
    }

    #[test]
    fn p12_forms_and_namespaces_merge_and_dedupe() {
        let a = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://a.example/s.json</value><value>https://a.example/s.json</value></field></x>"
        ));
        let b = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://b.example/s.json</value></field><field var='x-vendor'><value>v</value></field></x>"
        ));
        let seed = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:tmp:sos</value></field><field var='external-status-addresses' type='list-multi'><value>https://b.example/s.json</value><value>https://c.example/s.json</value></field></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&seed, &a, &b])
            .unwrap()
            .unwrap();
        assert_eq!(
            r.value.addresses,
            [
                "https://a.example/s.json",
                "https://b.example/s.json",
                "https://c.example/s.json"
            ]
        );
        assert_eq!(
            shown(&r),
            [
                "2 forms share this FORM_TYPE; merged by var",
                "field 'external-status-addresses': appears 2 times; values merged",
                "field 'external-status-addresses': value \"https://a.example/s.json\" repeated; kept once",
                "field 'external-status-addresses': value \"https://b.example/s.json\" repeated; kept once",
            ]
        );
        assert_eq!(r.unknown_fields[0].var.as_deref(), Some("x-vendor"));
    }

    #[test]
    fn p12_non_http_kept_and_flagged_non_uri_flagged() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='text-multi'><value>xmpp:status@example.org</value><value>status.example.org/s.json</value><value>HTTPS://d.example/s.json</value></field></x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.addresses.len(), 3);
        assert_eq!(
            r.value.fetchable().collect::<Vec<_>>(),
            ["HTTPS://d.example/s.json"]
        );
        assert_eq!(
            shown(&r),
            [
                "field 'external-status-addresses': type is 'text-multi', registered as 'list-multi'",
                "field 'external-status-addresses': address \"xmpp:status@example.org\" is not http: or https: (the spec says SHOULD)",
                "field 'external-status-addresses': value \"status.example.org/s.json\" is not a valid URI (the spec says MUST)",
            ]
        );
        assert!(
            SeedForm::from_forms_strict([&f]).is_none(),
            "the seed FORM_TYPE is not there"
        );
        assert!(Xep0455Form::from_forms_strict([&f]).unwrap().is_err());
    }

    #[test]
    fn p14_redundant_namespaces_and_white_space_in_values() {
        let f = form(&format!(
            "<x {X} type='result'>\n  <field xmlns='jabber:x:data' var='FORM_TYPE' type='hidden'><value xmlns='jabber:x:data'>urn:xmpp:sos:0</value></field>\n  <field xmlns='jabber:x:data' var='external-status-addresses' type='list-multi'>\n    <value>\n      https://a.example/s.json\n    </value>\n    <value>https://a.example/s.json</value>\n  </field>\n</x>"
        ));
        let r = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.addresses, ["https://a.example/s.json"]);
        assert_eq!(
            shown(&r),
            [
                "field 'external-status-addresses': value \"https://a.example/s.json\" repeated; kept once"
            ]
        );
    }

    #[test]
    fn written_in_the_namespace_asked_for() {
        let v = ExternalStatusAddresses {
            addresses: vec!["https://a.example/s.json".into()],
        };
        for (version, ns) in [
            (Version::Seed, "urn:xmpp:tmp:sos"),
            (Version::V0_2, "urn:xmpp:sos:0"),
            (Version::V0_4, "urn:xmpp:sos:0"),
        ] {
            let f = v.to_form(version);
            assert_eq!(f.form_type(), Some(ns));
            assert_eq!(f.fields[1].type_, FieldType::ListMulti);
            let back = ExternalStatusAddresses::from_forms([&f]).unwrap().unwrap();
            assert_eq!(back.value, v);
            assert!(back.deviations.is_empty());
        }
    }

    #[test]
    fn other_form_types_are_not_ours() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field><field var='external-status-addresses'><value>https://a.example/</value></field></x>"
        ));
        assert!(ExternalStatusAddresses::from_forms([&f]).is_none());
    }
}

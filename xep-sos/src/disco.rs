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
//! let found = ExternalStatusAddresses::read(&info.extensions);
//! // FORM_TYPE without type='hidden' is read, and reported.
//! assert_eq!(found.deviations.len(), 1);
//! let addresses = found.value.expect("form present");
//! assert_eq!(addresses.addresses, ["https://status.example.org/xmpp.json"]);
//!
//! // Written in the namespace asked for.
//! let form = addresses.to_form_version(Version::Seed);
//! assert_eq!(form.form_type(), Some("urn:xmpp:tmp:sos"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;

use minidom::Element;
use xep_core::disco::{DiscoInfo, query_path};
use xep_core::forms::{FieldSpec, FormReader, TypedForm, list_multi_field};
use xep_core::reading::{Deviation, Path, Reading, Severity, excerpt};
use xmpp_parsers::data_forms::{DataForm, Field, FieldType};

use crate::{Error, Version, ns};

/// The registered field.
pub const FIELD_VAR: &str = "external-status-addresses";

const FIELDS: &[FieldSpec] = &[FieldSpec {
    var: FIELD_VAR,
    type_: FieldType::ListMulti,
}];

/// The addresses of a server's external status file, whichever FORM_TYPE carried them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExternalStatusAddresses {
    /// The addresses, in the order the server gave them, without duplicates.
    #[serde(deserialize_with = "xep_core::xml::deserialize_xml_text")]
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

    /// Reads every form carrying either FORM_TYPE, leniently: the `urn:xmpp:sos:0`
    /// ones first, then the seed's, merged and deduplicated. The value is `None` when
    /// neither FORM_TYPE is present.
    ///
    /// The deviations of both readings are listed (those of `urn:xmpp:sos:0` first),
    /// plus a `duplicate-value` for an address given under both.
    pub fn read<'a, I>(forms: I) -> Reading<Option<Self>>
    where
        I: IntoIterator<Item = &'a DataForm>,
        I::IntoIter: Clone,
    {
        Self::read_at(forms, &Path::root())
    }

    fn read_at<'a, I>(forms: I, prefix: &Path) -> Reading<Option<Self>>
    where
        I: IntoIterator<Item = &'a DataForm>,
        I::IntoIter: Clone,
    {
        let forms = forms.into_iter();
        let current = read_typed::<Xep0455Form, _>(forms.clone(), prefix);
        let seed = read_typed::<SeedForm, _>(forms, prefix);
        let mut deviations = Vec::new();
        let readings: Vec<Self> = [current, seed]
            .into_iter()
            .filter_map(|r| r.take(&mut deviations))
            .collect();
        if readings.is_empty() {
            return Reading::new(None, deviations);
        }
        let mut value = Self::default();
        let mut seen: HashSet<String> = HashSet::new();
        for reading in readings {
            for address in reading.addresses {
                if seen.insert(address.clone()) {
                    value.addresses.push(address);
                } else {
                    deviations.push(Deviation::new(
                        Severity::Should,
                        "duplicate-value",
                        prefix.clone().field(FIELD_VAR),
                        format!(
                            "address {} given under both FORM_TYPEs; kept once",
                            excerpt(&address)
                        ),
                    ));
                }
            }
        }
        Reading::new(Some(value), deviations)
    }

    /// [`read`](Self::read), refusing any deviation of severity `should` or worse.
    pub fn read_strict<'a, I>(forms: I) -> Result<Option<Self>, Error>
    where
        I: IntoIterator<Item = &'a DataForm>,
        I::IntoIter: Clone,
    {
        Ok(Self::read(forms)
            .into_strict("external-status-addresses form")
            .map_err(xep_core::Error::from)?)
    }

    /// Reads the addresses from a raw disco#info `<query/>` or the `<iq/>` holding it,
    /// each form on its own, so that a malformed unrelated form cannot hide them.
    pub fn read_element(element: &Element) -> Result<Reading<Option<Self>>, Error> {
        let info = DiscoInfo::read(element)?;
        let mut deviations = info.deviations;
        let value = Self::read_at(&info.value.forms, &query_path(element)).take(&mut deviations);
        Ok(Reading::new(value, deviations))
    }

    /// The fields of both FORM_TYPEs that are not `external-status-addresses`.
    pub fn unknown_fields<'a, I>(forms: I) -> Vec<Field>
    where
        I: IntoIterator<Item = &'a DataForm>,
        I::IntoIter: Clone,
    {
        let forms = forms.into_iter();
        let mut out = Xep0455Form::unknown_fields(forms.clone());
        out.extend(SeedForm::unknown_fields(forms));
        out
    }

    /// The form under XEP-0455's FORM_TYPE `urn:xmpp:sos:0` (what v0.2 and v0.4
    /// clients read).
    pub fn to_form(&self) -> DataForm {
        self.to_form_version(Version::V0_4)
    }

    /// The form for `version`'s FORM_TYPE (`urn:xmpp:tmp:sos` for the seed,
    /// `urn:xmpp:sos:0` otherwise), `type='result'`, hidden FORM_TYPE, `list-multi`
    /// field. With no address, the field is written with no value, as Prosody does.
    pub fn to_form_version(&self, version: Version) -> DataForm {
        match version {
            Version::Seed => SeedForm(self.clone()).to_form(),
            Version::V0_2 | Version::V0_4 => Xep0455Form(self.clone()).to_form(),
        }
    }
}

/// One FORM_TYPE's reading, with paths under `prefix`.
fn read_typed<'a, T, I>(forms: I, prefix: &Path) -> Reading<Option<ExternalStatusAddresses>>
where
    T: TypedForm + Into<ExternalStatusAddresses>,
    I: IntoIterator<Item = &'a DataForm>,
{
    T::read_under(forms, prefix).map(|v| v.map(Into::into))
}

impl From<SeedForm> for ExternalStatusAddresses {
    fn from(form: SeedForm) -> Self {
        form.0
    }
}

impl From<Xep0455Form> for ExternalStatusAddresses {
    fn from(form: Xep0455Form) -> Self {
        form.0
    }
}

fn read_addresses(reader: &mut FormReader<'_>) -> ExternalStatusAddresses {
    // "Values of 'external-status-addresses' form field MUST be valid URIs, i.e.
    // comply with the 'xs:anyURI' datatype": xs:anyURI collapses white space, so a
    // pretty-printed `<value>` reads (reported); values are then deduplicated.
    let addresses = reader.uri_list(FIELD_VAR, true);
    for address in &addresses {
        if xep_core::forms::is_uri(address) && !is_http(address) {
            // "Links present inside the 'external-status-addresses' field SHOULD use
            // HTTP/HTTPS protocol": others are kept and reported.
            reader.deviate_each(
                FIELD_VAR,
                Severity::Should,
                "not-http",
                format!(
                    "address {} is not http: or https: (the spec says SHOULD)",
                    excerpt(address)
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

    fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, xep_core::Error> {
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

    fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, xep_core::Error> {
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

    fn shown<T>(r: &Reading<T>) -> Vec<String> {
        r.deviations.iter().map(ToString::to_string).collect()
    }

    fn read(forms: &[&DataForm]) -> (ExternalStatusAddresses, Reading<()>) {
        let r = ExternalStatusAddresses::read(forms.iter().copied());
        let (value, deviations) = (r.value, r.deviations);
        (value.expect("form present"), Reading::new((), deviations))
    }

    #[test]
    fn prosody_list_multi_reads_cleanly_and_round_trips() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://a.example/status.json</value><value>http://b.example/s.json</value></field></x>"
        ));
        let (value, r) = read(&[&f]);
        assert_eq!(
            value.addresses,
            ["https://a.example/status.json", "http://b.example/s.json"]
        );
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        let written = value.to_form();
        assert_eq!(Element::from(written), Element::from(f));
    }

    #[test]
    fn p12_untyped_single_value_is_one_address() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:tmp:sos</value></field><field var='external-status-addresses'><value>http://secondary.shakespeare.lit/status.json</value></field></x>"
        ));
        let (value, r) = read(&[&f]);
        assert_eq!(
            value.addresses,
            ["http://secondary.shakespeare.lit/status.json"]
        );
        assert!(r.deviations.is_empty());
    }

    #[test]
    fn p12_form_type_not_hidden_is_read_and_reported() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'><value>https://a.example/s.json</value></field></x>"
        ));
        let (value, r) = read(&[&f]);
        assert_eq!(value.addresses, ["https://a.example/s.json"]);
        assert_eq!(
            shown(&r),
            [
                "/x[1]/field[@var='FORM_TYPE']: FORM_TYPE field lacks type='hidden' (XEP-0068); read anyway [must]"
            ]
        );
    }

    #[test]
    fn p12_empty_list_multi_means_no_address() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='list-multi'/></x>"
        ));
        let (value, r) = read(&[&f]);
        assert!(value.addresses.is_empty());
        assert!(r.deviations.is_empty());
        assert_eq!(value.fetchable().count(), 0);
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
        let (value, r) = read(&[&seed, &a, &b]);
        assert_eq!(
            value.addresses,
            [
                "https://a.example/s.json",
                "https://b.example/s.json",
                "https://c.example/s.json"
            ]
        );
        assert_eq!(
            shown(&r),
            [
                "/x[3]: 2 forms share the FORM_TYPE \"urn:xmpp:sos:0\"; merged by var (XEP-0115 caps verification refuses such a result) [should]",
                "/x[2]/field[@var='external-status-addresses']: field \"external-status-addresses\" appears 2 times; values merged [must]",
                "/x[2]/field[@var='external-status-addresses']: value \"https://a.example/s.json\" repeated; kept once [should]",
                "/field[@var='external-status-addresses']: address \"https://b.example/s.json\" given under both FORM_TYPEs; kept once [should]",
            ]
        );
        let unknown = ExternalStatusAddresses::unknown_fields([&seed, &a, &b]);
        assert_eq!(unknown[0].var.as_deref(), Some("x-vendor"));
    }

    #[test]
    fn p12_non_http_kept_and_flagged_non_uri_flagged() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field><field var='external-status-addresses' type='text-multi'><value>xmpp:status@example.org</value><value>status.example.org/s.json</value><value>HTTPS://d.example/s.json</value></field></x>"
        ));
        let (value, r) = read(&[&f]);
        assert_eq!(value.addresses.len(), 3);
        assert_eq!(
            value.fetchable().collect::<Vec<_>>(),
            ["HTTPS://d.example/s.json"]
        );
        assert_eq!(
            shown(&r),
            [
                "/x[1]/field[@var='external-status-addresses']: type is 'text-multi', registered as 'list-multi' (XEP-0068) [should]",
                "/x[1]/field[@var='external-status-addresses']: value \"status.example.org/s.json\" is a relative reference, not an absolute URI [should]",
                "/x[1]/field[@var='external-status-addresses']: address \"xmpp:status@example.org\" is not http: or https: (the spec says SHOULD) [should]",
            ]
        );
        assert_eq!(
            SeedForm::read_strict([&f]).unwrap(),
            None,
            "the seed FORM_TYPE is not there"
        );
        assert!(Xep0455Form::read_strict([&f]).is_err());
    }

    #[test]
    fn p14_redundant_namespaces_and_white_space_in_values() {
        let f = form(&format!(
            "<x {X} type='result'>\n  <field xmlns='jabber:x:data' var='FORM_TYPE' type='hidden'><value xmlns='jabber:x:data'>urn:xmpp:sos:0</value></field>\n  <field xmlns='jabber:x:data' var='external-status-addresses' type='list-multi'>\n    <value>\n      https://a.example/s.json\n    </value>\n    <value>https://a.example/s.json</value>\n  </field>\n</x>"
        ));
        let (value, r) = read(&[&f]);
        assert_eq!(value.addresses, ["https://a.example/s.json"]);
        assert_eq!(
            shown(&r),
            [
                "/x[1]/field[@var='external-status-addresses']: value \"\\n      https://a.example/s.json\\n    \" has white space around or inside it; read as \"https://a.example/s.json\" [should]",
                "/x[1]/field[@var='external-status-addresses']: value \"https://a.example/s.json\" repeated; kept once [should]",
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
            let f = v.to_form_version(version);
            assert_eq!(f.form_type(), Some(ns));
            assert_eq!(f.fields[1].type_, FieldType::ListMulti);
            let (back, r) = read(&[&f]);
            assert_eq!(back, v);
            assert!(r.deviations.is_empty());
        }
    }

    #[test]
    fn other_form_types_are_not_ours() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field><field var='external-status-addresses'><value>https://a.example/</value></field></x>"
        ));
        assert_eq!(ExternalStatusAddresses::read([&f]), Reading::clean(None));
    }

    #[test]
    fn read_element_reports_paths_inside_the_query() {
        let iq: Element = format!(
            "<iq xmlns='jabber:client' type='result' id='d'><query xmlns='http://jabber.org/protocol/disco#info'>\
             <x {X} type='result'><field type='text-single'/></x>\
             <x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:sos:0</value></field>\
             <field var='external-status-addresses'><value>ftp://a.example/s.json</value></field></x></query></iq>"
        )
        .parse()
        .unwrap();
        let r = ExternalStatusAddresses::read_element(&iq).unwrap();
        assert_eq!(r.value.unwrap().addresses, ["ftp://a.example/s.json"]);
        let paths: Vec<_> = r.deviations.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "/iq[1]/query[1]/x[1]/field[1]",
                "/iq[1]/query[1]/x[2]/field[@var='external-status-addresses']"
            ]
        );
    }
}

//! XEP-0157: Contact Addresses for XMPP Services, as a [`TypedForm`].
//!
//! Unlike `xmpp_parsers::server_info::ServerInfo`, this reads the forms real servers
//! send (INTEROP P5, P7): fields without `type`, forms merged with other specs' fields
//! (XEP-0485's `serverinfo-pubsub-node`, vendor fields), the same FORM_TYPE split over
//! several forms, and a FORM_TYPE without `type='hidden'`. It also knows the
//! `status-addresses` field added in XEP-0157 1.1.
//!
//! ```
//! use xep_core::contact::ContactAddresses;
//! use xep_core::forms::TypedForm;
//! use xmpp_parsers::disco::DiscoInfoResult;
//!
//! let info: DiscoInfoResult = "<query xmlns='http://jabber.org/protocol/disco#info'>\
//!     <x xmlns='jabber:x:data' type='result'>\
//!       <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>\
//!       <field var='admin-addresses'><value>mailto:xmpp@example.org</value></field>\
//!       <field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field>\
//!     </x></query>"
//!     .parse::<minidom::Element>()?
//!     .try_into()?;
//! let reading = ContactAddresses::read(&info.extensions);
//! assert!(reading.deviations.is_empty());
//! let addresses = reading.value.expect("form present");
//! assert_eq!(addresses.admin, ["mailto:xmpp@example.org"]);
//! // The XEP-0485 field is not ours, but it can be kept for writing back:
//! let others = ContactAddresses::unknown_fields(&info.extensions);
//! assert_eq!(others[0].var.as_deref(), Some("serverinfo-pubsub-node"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use xmpp_parsers::data_forms::{Field, FieldType};

use crate::error::Error;
use crate::forms::{FieldSpec, FormReader, TypedForm, list_multi_field};
use crate::ns;

/// The contact addresses a server advertises under the
/// `http://jabber.org/network/serverinfo` FORM_TYPE (XEP-0157).
///
/// Each list holds URIs (`mailto:`, `xmpp:`, `https:`, ...) in the order the server
/// sent them, without duplicates. Values that are not URIs are kept and reported as
/// deviations.
///
/// Not `#[non_exhaustive]`, so that it can be built with struct-update syntax
/// (`..Default::default()`); a field registered by a later XEP-0157 version will be a
/// new minor version of this crate.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ContactAddresses {
    /// `abuse-addresses`: communication related to abusive traffic.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub abuse: Vec<String>,
    /// `admin-addresses`: communication with the service administrators.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub admin: Vec<String>,
    /// `feedback-addresses`: customer feedback.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub feedback: Vec<String>,
    /// `sales-addresses`: sales and marketing.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub sales: Vec<String>,
    /// `security-addresses`: security concerns.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub security: Vec<String>,
    /// `status-addresses`: service status (XEP-0157 1.1; values MUST be URIs).
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub status: Vec<String>,
    /// `support-addresses`: customer support.
    #[serde(deserialize_with = "crate::xml::deserialize_xml_text")]
    pub support: Vec<String>,
}

const fn address_field(var: &'static str) -> FieldSpec {
    FieldSpec {
        var,
        type_: FieldType::ListMulti,
    }
}

/// The registry entries of XEP-0157 section "Field Standardization", in order.
const FIELDS: &[FieldSpec] = &[
    address_field("abuse-addresses"),
    address_field("admin-addresses"),
    address_field("feedback-addresses"),
    address_field("sales-addresses"),
    address_field("security-addresses"),
    address_field("status-addresses"),
    address_field("support-addresses"),
];

impl ContactAddresses {
    /// The lists paired with their field vars, in registry order.
    pub fn by_var(&self) -> [(&'static str, &[String]); 7] {
        [
            (FIELDS[0].var, &self.abuse),
            (FIELDS[1].var, &self.admin),
            (FIELDS[2].var, &self.feedback),
            (FIELDS[3].var, &self.sales),
            (FIELDS[4].var, &self.security),
            (FIELDS[5].var, &self.status),
            (FIELDS[6].var, &self.support),
        ]
    }

    /// Whether no address at all is listed.
    pub fn is_empty(&self) -> bool {
        self.by_var().iter().all(|(_, v)| v.is_empty())
    }
}

impl TypedForm for ContactAddresses {
    const FORM_TYPE: &'static str = ns::SERVERINFO_FORM;
    const FIELDS: &'static [FieldSpec] = FIELDS;

    fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, Error> {
        // "Values of 'status-addresses' form field MUST be valid URIs [...]. Values of
        // the 'abuse-addresses', [...] and 'support-addresses' SHOULD be valid URIs."
        Ok(Self {
            abuse: reader.uri_list("abuse-addresses", false),
            admin: reader.uri_list("admin-addresses", false),
            feedback: reader.uri_list("feedback-addresses", false),
            sales: reader.uri_list("sales-addresses", false),
            security: reader.uri_list("security-addresses", false),
            status: reader.uri_list("status-addresses", true),
            support: reader.uri_list("support-addresses", false),
        })
    }

    fn write(&self) -> Vec<Field> {
        self.by_var()
            .iter()
            .zip(FIELDS)
            .filter(|((_, values), _)| !values.is_empty())
            .map(|((_, values), spec)| list_multi_field(spec, values))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::FormBuilder;
    use crate::reading::Reading;
    use crate::reading::Severity;
    use minidom::Element;
    use proptest::prelude::*;
    use xmpp_parsers::data_forms::DataForm;
    use xmpp_parsers::disco::DiscoInfoResult;

    fn disco(xml: &str) -> DiscoInfoResult {
        DiscoInfoResult::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    const HIDDEN: &str = "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>";

    #[test]
    fn ejabberd_merged_untyped_node_field() {
        // ejabberd: list-multi address fields plus an untyped serverinfo-pubsub-node.
        let info = disco(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:serverinfo:0'/><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='abuse-addresses' type='list-multi'><value>mailto:abuse@example.org</value></field><field var='serverinfo-pubsub-node'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field></x></query>"
        ));
        // xmpp-parsers refuses this form:
        assert!(
            xmpp_parsers::server_info::ServerInfo::try_from(info.extensions[0].clone()).is_err()
        );
        let r = ContactAddresses::read(&info.extensions);
        assert_eq!(r.value.unwrap().abuse, ["mailto:abuse@example.org"]);
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        let unknown = ContactAddresses::unknown_fields(&info.extensions);
        assert_eq!(unknown.len(), 1);
        assert_eq!(
            unknown[0].values,
            ["xmpp:pubsub.example.org?;node=serverinfo"]
        );
    }

    #[test]
    fn prosody_two_forms_same_form_type() {
        // Prosody gen (b) beside mod_server_contact_info: two forms, one FORM_TYPE.
        let info = disco(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='admin-addresses' type='list-multi'><value>xmpp:admin@example.org</value><value>mailto:admin@example.org</value></field><field var='status-addresses' type='list-multi'><value>https://status.example.org/</value></field></x><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='serverinfo-pubsub-node' type='text-single'><value>xmpp:pubsub.example.org?;node=serverinfo</value></field><field var='admin-addresses' type='list-multi'><value>xmpp:admin@example.org</value></field></x></query>"
        ));
        let r = ContactAddresses::read(&info.extensions);
        assert_eq!(r.deviations[0].code, "several-forms");
        let value = r.value.unwrap();
        assert_eq!(
            value.admin,
            ["xmpp:admin@example.org", "mailto:admin@example.org"]
        );
        assert_eq!(value.status, ["https://status.example.org/"]);
        assert_eq!(
            ContactAddresses::unknown_fields(&info.extensions)[0]
                .var
                .as_deref(),
            Some("serverinfo-pubsub-node")
        );
        let err = ContactAddresses::read_strict(&info.extensions).unwrap_err();
        assert!(
            err.to_string().contains("2 forms share the FORM_TYPE"),
            "{err}"
        );
    }

    #[test]
    fn waddle_text_single_and_bad_values() {
        let info = disco(
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>http://jabber.org/network/serverinfo</value></field><field var='abuse-addresses' type='text-single'><value>mailto:abuse@example.org</value></field><field var='support-addresses' type='jid-multi'><value>support@example.org</value></field><field var='status-addresses'><value>not a uri</value></field></x></query>",
        );
        let r = ContactAddresses::read(&info.extensions);
        let value = r.value.unwrap();
        assert_eq!(value.abuse, ["mailto:abuse@example.org"]);
        assert_eq!(
            value.support,
            ["support@example.org"],
            "kept although not a URI"
        );
        assert_eq!(value.status, ["not a uri"]);
        let shown: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "/x[1]/field[@var='FORM_TYPE']: FORM_TYPE field lacks type='hidden' (XEP-0068); read anyway [must]",
                "/x[1]/field[@var='support-addresses']: type is 'jid-multi', registered as 'list-multi' (XEP-0068) [should]",
                "/x[1]/field[@var='status-addresses']: value \"not a uri\" is not a valid URI (the spec says MUST) [must]",
                "/x[1]/field[@var='support-addresses']: value \"support@example.org\" is a relative reference, not an absolute URI [should]",
            ]
        );
    }

    #[test]
    fn padded_addresses_are_collapsed_like_sos_addresses() {
        // Fails on the old code: XEP-0157 values were not trimmed, then called invalid.
        let info = disco(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='status-addresses' type='list-multi'><value>\n  https://status.example.org/\n</value></field></x></query>"
        ));
        let r = ContactAddresses::read(&info.extensions);
        assert_eq!(r.value.unwrap().status, ["https://status.example.org/"]);
        assert_eq!(r.deviations.len(), 1);
        assert_eq!(r.deviations[0].code, "value-white-space");
        assert_eq!(r.deviations[0].severity, Severity::Should);
    }

    #[test]
    fn empty_list_multi_means_no_addresses() {
        let info = disco(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='admin-addresses' type='list-multi'/></x></query>"
        ));
        let r = ContactAddresses::read(&info.extensions);
        assert!(r.value.unwrap().is_empty());
        assert!(r.deviations.is_empty());
    }

    #[test]
    fn no_form_is_none() {
        let info = disco(
            "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:serverinfo:0'/></query>",
        );
        assert_eq!(
            ContactAddresses::read(&info.extensions),
            Reading::clean(None)
        );
    }

    #[test]
    fn written_form_matches_registry_and_xmpp_parsers_accepts_it() {
        let c = ContactAddresses {
            admin: vec![
                "mailto:xmpp@example.org".into(),
                "xmpp:admins@example.org".into(),
            ],
            security: vec!["xmpp:security@example.org".into()],
            ..Default::default()
        };
        let form = c.to_form();
        let expected: Element = "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field><field var='admin-addresses' type='list-multi'><value>mailto:xmpp@example.org</value><value>xmpp:admins@example.org</value></field><field var='security-addresses' type='list-multi'><value>xmpp:security@example.org</value></field></x>".parse().unwrap();
        assert_eq!(Element::from(form.clone()), expected);
        // The strict upstream parser accepts what we write.
        let upstream = xmpp_parsers::server_info::ServerInfo::try_from(form).unwrap();
        assert_eq!(upstream.admin, c.admin);
    }

    #[test]
    fn merged_write_with_foreign_fields_round_trips() {
        let info = disco(&format!(
            "<query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data' type='result'>{HIDDEN}<field var='Web chatroom logs' type='list-multi'><value>https://logs.example.org</value></field><field var='feedback-addresses'><value>https://example.org/feedback</value></field></x></query>"
        ));
        let value = ContactAddresses::read(&info.extensions).value.unwrap();
        let unknown = ContactAddresses::unknown_fields(&info.extensions);
        let form = FormBuilder::new(ContactAddresses::FORM_TYPE)
            .with(&value)
            .unwrap()
            .with_fields(unknown.clone())
            .build();
        let again = ContactAddresses::read([&form]);
        assert_eq!(again.value.as_ref(), Some(&value));
        assert_eq!(ContactAddresses::unknown_fields([&form]), unknown);
        assert!(again.deviations.is_empty());
    }

    fn uri() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z]{1,8}@[a-z]{1,8}\\.org".prop_map(|s| format!("mailto:{s}")),
            "[a-z]{1,8}@[a-z]{1,8}\\.org".prop_map(|s| format!("xmpp:{s}")),
            "[a-z]{1,8}\\.org/[a-z0-9]{0,8}".prop_map(|s| format!("https://{s}")),
        ]
    }

    fn list() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::btree_set(uri(), 0..4).prop_map(|s| s.into_iter().collect())
    }

    proptest! {
        #[test]
        fn form_round_trip(abuse in list(), admin in list(), feedback in list(), sales in list(),
                           security in list(), status in list(), support in list()) {
            let c = ContactAddresses { abuse, admin, feedback, sales, security, status, support };
            let elem = Element::from(c.to_form());
            let form = DataForm::try_from(elem).unwrap();
            let back = ContactAddresses::read_strict([&form]).unwrap().unwrap();
            prop_assert_eq!(back, c);
        }

        #[test]
        fn splitting_over_forms_reads_the_same(admin in list(), support in list(), cut in 0usize..3) {
            let c = ContactAddresses { admin: admin.clone(), support: support.clone(), ..Default::default() };
            // Put each field in its own form, in any order: the merged reading is the same.
            let mut forms: Vec<DataForm> = c.write().into_iter()
                .map(|f| FormBuilder::new(ns::SERVERINFO_FORM).with_fields([f]).build())
                .collect();
            let len = forms.len();
            if len > 0 { forms.rotate_left(cut % len); }
            if forms.is_empty() {
                prop_assert!(ContactAddresses::read(&forms).value.is_none());
            } else {
                let r = ContactAddresses::read(&forms);
                prop_assert_eq!(r.value, Some(c));
            }
        }
    }
}

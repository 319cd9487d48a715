//! Typed XEP-0128 service discovery extensions (XEP-0068 field standardisation).
//!
//! A registered FORM_TYPE is a small schema: a set of `var`s, each with a field type.
//! [`TypedForm`] describes one spec's share of such a form (XEP-0157 contact addresses,
//! XEP-0485 node coordinates, XEP-0455 status addresses), and this module reads and
//! writes it the way real servers need:
//!
//! * **Lenient reading** ([`TypedForm::from_forms`]): every form carrying the FORM_TYPE
//!   is used, whether or not its `FORM_TYPE` field says `type='hidden'`; several forms
//!   with one FORM_TYPE are merged by `var` (values concatenated, exact duplicates
//!   dropped); unknown fields are ignored (and handed back, so nothing is lost);
//!   untyped fields are accepted. Every departure from the specs is recorded as a
//!   [`Deviation`] next to the value.
//! * **Strict reading** ([`TypedForm::from_forms_strict`]): the same, but any
//!   deviation makes it an [`Error::Strict`] that lists all of them.
//! * **Writing** ([`FormBuilder`]): several typed forms that share a FORM_TYPE, plus
//!   any extra fields, become one `<x type='result'/>` with a hidden FORM_TYPE.
//!
//! About field types: XEP-0004 lets a `result` form omit `type` ("the receiving entity
//! can infer the 'type' attribute value from context"), and xmpp-parsers reads a
//! missing `type` as `text-single`. So a `text-single` field is taken as "untyped" and
//! never reported; any other type that differs from the registered one is a deviation.

use alloc::borrow::Cow;
use core::fmt;
use std::collections::{HashMap, HashSet};

use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};
use xmpp_parsers::disco::DiscoInfoResult;

use crate::error::Error;

/// The var of the field naming a form's FORM_TYPE (XEP-0068).
pub const FORM_TYPE_VAR: &str = "FORM_TYPE";

/// One registered field of a FORM_TYPE, as listed in a spec's "Field Standardization".
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// The field's `var`.
    pub var: &'static str,
    /// The registered field type.
    pub type_: FieldType,
    /// The registered label (used when writing the field).
    pub label: &'static str,
}

/// One spec's typed share of a registered FORM_TYPE.
///
/// Implementors say which FORM_TYPE and fields they own, how to build themselves from
/// a [`FormReader`] and how to write their fields; the provided methods do the rest.
pub trait TypedForm: Sized {
    /// The FORM_TYPE value this type lives under.
    const FORM_TYPE: &'static str;
    /// The fields this type owns. Fields of the same FORM_TYPE that other specs
    /// register are not listed and are treated as unknown.
    const FIELDS: &'static [FieldSpec];

    /// Builds the value from the merged fields. Field-level deviations (too many
    /// values, values that are not what the spec says) are recorded on `reader`.
    fn read(reader: &mut FormReader<'_>) -> Result<Self, Error>;

    /// The fields that represent this value, in registry order. Fields with nothing to
    /// say (an empty address list) are left out.
    fn write(&self) -> Vec<Field>;

    /// Reads this type from every form carrying its FORM_TYPE, leniently.
    ///
    /// `None` when no form has the FORM_TYPE.
    fn from_forms<'a, I>(forms: I) -> Option<Result<Reading<Self>, Error>>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        let merged = MergedForm::collect(forms, Self::FORM_TYPE)?;
        Some(merged.read())
    }

    /// Reads this type from every form carrying its FORM_TYPE, refusing any deviation.
    ///
    /// `None` when no form has the FORM_TYPE; [`Error::Strict`] lists every deviation.
    fn from_forms_strict<'a, I>(forms: I) -> Option<Result<Self, Error>>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        Some(Self::from_forms(forms)?.and_then(Reading::into_strict))
    }

    /// [`from_forms`](Self::from_forms) over a disco#info result's extensions.
    fn from_disco(info: &DiscoInfoResult) -> Option<Result<Reading<Self>, Error>> {
        Self::from_forms(&info.extensions)
    }

    /// This value alone as a `result` form with a hidden FORM_TYPE.
    fn to_form(&self) -> DataForm {
        FormBuilder::new(Self::FORM_TYPE)
            .with(self)
            .expect("a typed form always fits a builder of its own FORM_TYPE")
            .build()
    }
}

/// The outcome of a lenient reading: the value, what deviated from the spec, and the
/// fields of the FORM_TYPE that the typed form does not own.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading<T> {
    /// The typed value.
    pub value: T,
    /// Every deviation from the specs seen while reading, in document order.
    pub deviations: Vec<Deviation>,
    /// Fields of this FORM_TYPE that the typed form does not own (other specs' fields,
    /// vendor fields), merged by var, in order of first appearance. Pass them to
    /// [`FormBuilder::with_fields`] to write the form back without losing them.
    pub unknown_fields: Vec<Field>,
}

impl<T> Reading<T> {
    /// The value if nothing deviated, else [`Error::Strict`] listing every deviation.
    pub fn into_strict(self) -> Result<T, Error>
    where
        T: TypedForm,
    {
        if self.deviations.is_empty() {
            Ok(self.value)
        } else {
            Err(Error::Strict {
                form_type: T::FORM_TYPE.to_owned(),
                deviations: self.deviations,
            })
        }
    }
}

/// A departure from the specs noticed while reading a form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Deviation {
    /// The field it concerns, `None` for the form as a whole.
    pub field: Option<String>,
    /// What deviated.
    pub kind: DeviationKind,
}

/// What kind of departure a [`Deviation`] is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeviationKind {
    /// The form is not of type `result` (XEP-0128 extensions are results).
    NotResult {
        /// The form's type.
        found: String,
    },
    /// The FORM_TYPE field lacks `type='hidden'` (XEP-0068: it "MUST be ignored as a
    /// context indicator"; read anyway, as real clients and servers do).
    FormTypeNotHidden,
    /// Several forms carry this FORM_TYPE; they were merged by var.
    SeveralForms {
        /// How many.
        count: usize,
    },
    /// A field appears more than once (in one form or across the merged forms).
    RepeatedField {
        /// How many times.
        count: usize,
    },
    /// A field's explicit type differs from the registered one.
    WrongFieldType {
        /// The registered type.
        expected: &'static str,
        /// The type on the wire.
        found: &'static str,
    },
    /// A single-valued field has several values; the first one was used.
    TooManyValues {
        /// How many values it had.
        count: usize,
    },
    /// The same value appears more than once in a field; the repeats were dropped.
    DuplicateValue {
        /// The value.
        value: String,
    },
    /// A value is not a valid URI (xs:anyURI) where the spec asks for one.
    InvalidUri {
        /// The value.
        value: String,
        /// Whether the spec says MUST (true) or SHOULD (false).
        required: bool,
    },
    /// Anything else a typed form wants to report.
    Other(Cow<'static, str>),
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(var) = &self.field {
            write!(f, "field '{var}': ")?;
        }
        match &self.kind {
            DeviationKind::NotResult { found } => {
                write!(f, "form has type '{found}', expected 'result'")
            }
            DeviationKind::FormTypeNotHidden => {
                f.write_str("FORM_TYPE field lacks type='hidden' (XEP-0068)")
            }
            DeviationKind::SeveralForms { count } => {
                write!(f, "{count} forms share this FORM_TYPE; merged by var")
            }
            DeviationKind::RepeatedField { count } => {
                write!(f, "appears {count} times; values merged")
            }
            DeviationKind::WrongFieldType { expected, found } => {
                write!(f, "type is '{found}', registered as '{expected}'")
            }
            DeviationKind::TooManyValues { count } => {
                write!(
                    f,
                    "single-valued field has {count} values; the first was used"
                )
            }
            DeviationKind::DuplicateValue { value } => {
                write!(f, "value {value:?} repeated; kept once")
            }
            DeviationKind::InvalidUri { value, required } => write!(
                f,
                "value {value:?} is not a valid URI (the spec says {})",
                if *required { "MUST" } else { "SHOULD" }
            ),
            DeviationKind::Other(text) => f.write_str(text),
        }
    }
}

/// The wire name of a field type.
pub fn field_type_name(type_: &FieldType) -> &'static str {
    match type_ {
        FieldType::Boolean => "boolean",
        FieldType::Fixed => "fixed",
        FieldType::Hidden => "hidden",
        FieldType::JidMulti => "jid-multi",
        FieldType::JidSingle => "jid-single",
        FieldType::ListMulti => "list-multi",
        FieldType::ListSingle => "list-single",
        FieldType::TextMulti => "text-multi",
        FieldType::TextPrivate => "text-private",
        FieldType::TextSingle => "text-single",
    }
}

/// Whether a form field is a FORM_TYPE field, hidden or not.
fn is_form_type_field(field: &Field) -> bool {
    field.var.as_deref() == Some(FORM_TYPE_VAR)
}

/// The FORM_TYPE of a form, read leniently: the first value of the first field whose
/// var is `FORM_TYPE`, whatever its type (XEP-0068 wants `type='hidden'`; Slixmpp and
/// some servers disagree, see INTEROP P12).
pub fn lenient_form_type(form: &DataForm) -> Option<&str> {
    form.fields
        .iter()
        .find(|f| is_form_type_field(f))
        .and_then(|f| f.values.first())
        .map(String::as_str)
}

/// All fields of one FORM_TYPE, gathered from every form that carries it and merged
/// by var.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedForm {
    form_type: String,
    /// Merged fields, in order of first appearance, FORM_TYPE excluded.
    fields: Vec<Field>,
    /// Form-level and merge deviations.
    deviations: Vec<Deviation>,
}

impl MergedForm {
    /// Gathers every form whose FORM_TYPE (hidden or not) is `form_type`.
    ///
    /// `None` when there is none.
    pub fn collect<'a, I>(forms: I, form_type: &str) -> Option<Self>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        let mut merged = Self {
            form_type: form_type.to_owned(),
            fields: Vec::new(),
            deviations: Vec::new(),
        };
        let mut count = 0usize;
        // Per merged field: how many times its var was seen.
        let mut seen: Vec<usize> = Vec::new();
        // Var -> index into `merged.fields` (hostile forms can have many fields).
        let mut index: HashMap<String, usize> = HashMap::new();
        for form in forms {
            if lenient_form_type(form) != Some(form_type) {
                continue;
            }
            count += 1;
            if form.type_ != DataFormType::Result_ {
                merged.deviate(
                    None,
                    DeviationKind::NotResult {
                        found: data_form_type_name(&form.type_).to_owned(),
                    },
                );
            }
            for field in &form.fields {
                if is_form_type_field(field) {
                    if field.type_ != FieldType::Hidden {
                        merged.deviate(None, DeviationKind::FormTypeNotHidden);
                    }
                    continue;
                }
                let position = field.var.as_ref().and_then(|v| index.get(v).copied());
                match position {
                    Some(i) => {
                        seen[i] += 1;
                        let target = &mut merged.fields[i];
                        target.values.extend(field.values.iter().cloned());
                        if target.label.is_none() {
                            target.label.clone_from(&field.label);
                        }
                    }
                    None => {
                        if let Some(var) = &field.var {
                            index.insert(var.clone(), merged.fields.len());
                        }
                        merged.fields.push(field.clone());
                        seen.push(1);
                    }
                }
            }
        }
        if count == 0 {
            return None;
        }
        if count > 1 {
            merged.deviations.insert(
                0,
                Deviation {
                    field: None,
                    kind: DeviationKind::SeveralForms { count },
                },
            );
        }
        for (field, &n) in merged.fields.iter().zip(&seen) {
            if n > 1 {
                merged.deviations.push(Deviation {
                    field: field.var.clone(),
                    kind: DeviationKind::RepeatedField { count: n },
                });
            }
        }
        Some(merged)
    }

    fn deviate(&mut self, field: Option<&str>, kind: DeviationKind) {
        let deviation = Deviation {
            field: field.map(str::to_owned),
            kind,
        };
        // One report per distinct problem is enough.
        if !self.deviations.contains(&deviation) {
            self.deviations.push(deviation);
        }
    }

    /// The FORM_TYPE.
    pub fn form_type(&self) -> &str {
        &self.form_type
    }

    /// The merged fields, FORM_TYPE excluded, in order of first appearance.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Form-level deviations (FORM_TYPE not hidden, several forms, repeated fields).
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }

    /// Reads a typed form from these fields, leniently.
    pub fn read<T: TypedForm>(&self) -> Result<Reading<T>, Error> {
        if T::FORM_TYPE != self.form_type {
            return Err(Error::FormTypeMismatch {
                expected: self.form_type.clone(),
                found: T::FORM_TYPE.to_owned(),
            });
        }
        let mut reader = FormReader {
            merged: self,
            deviations: self.deviations.clone(),
            reported: self.deviations.iter().cloned().collect(),
        };
        for spec in T::FIELDS {
            let Some(field) = reader.field(spec.var) else {
                continue;
            };
            if field.type_ != spec.type_ && field.type_ != FieldType::TextSingle {
                let kind = DeviationKind::WrongFieldType {
                    expected: field_type_name(&spec.type_),
                    found: field_type_name(&field.type_),
                };
                reader.deviate(spec.var, kind);
            }
        }
        let value = T::read(&mut reader)?;
        let unknown_fields = self
            .fields
            .iter()
            .filter(|f| !T::FIELDS.iter().any(|s| f.var.as_deref() == Some(s.var)))
            .cloned()
            .collect();
        Ok(Reading {
            value,
            deviations: reader.deviations,
            unknown_fields,
        })
    }
}

/// The view of a merged form that [`TypedForm::read`] gets.
#[derive(Debug)]
pub struct FormReader<'a> {
    merged: &'a MergedForm,
    deviations: Vec<Deviation>,
    /// The same deviations, to report each once without a scan.
    reported: HashSet<Deviation>,
}

impl<'a> FormReader<'a> {
    /// The merged field with this var.
    pub fn field(&self, var: &str) -> Option<&'a Field> {
        self.merged
            .fields
            .iter()
            .find(|f| f.var.as_deref() == Some(var))
    }

    /// All values of a field (none when the field is absent), whatever its type: a
    /// single-valued or untyped field with one value is a list of one.
    pub fn values(&self, var: &str) -> &'a [String] {
        self.field(var).map_or(&[], |f| f.values.as_slice())
    }

    /// The values of a multi-valued field with exact duplicates removed (first
    /// occurrence kept, each repeat reported).
    pub fn list(&mut self, var: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut kept: HashSet<&str> = HashSet::new();
        for value in self.values(var) {
            if !kept.insert(value) {
                let kind = DeviationKind::DuplicateValue {
                    value: value.clone(),
                };
                self.deviate(var, kind);
            } else {
                out.push(value.clone());
            }
        }
        out
    }

    /// The value of a single-valued field: the first one, with a deviation if there
    /// are several.
    pub fn single(&mut self, var: &str) -> Option<&'a str> {
        let values = self.values(var);
        if values.len() > 1 {
            let kind = DeviationKind::TooManyValues {
                count: values.len(),
            };
            self.deviate(var, kind);
        }
        values.first().map(String::as_str)
    }

    /// Like [`list`](Self::list), also checking that each value is an xs:anyURI
    /// (an RFC 3987 IRI); invalid values are kept and reported.
    pub fn uri_list(&mut self, var: &str, required: bool) -> Vec<String> {
        let values = self.list(var);
        for value in &values {
            if !is_uri(value) {
                let kind = DeviationKind::InvalidUri {
                    value: value.clone(),
                    required,
                };
                self.deviate(var, kind);
            }
        }
        values
    }

    /// Records a deviation on a field.
    pub fn deviate(&mut self, var: &str, kind: DeviationKind) {
        let deviation = Deviation {
            field: Some(var.to_owned()),
            kind,
        };
        if self.reported.insert(deviation.clone()) {
            self.deviations.push(deviation);
        }
    }
}

/// Whether a value is an absolute URI or IRI, the useful reading of xs:anyURI for
/// addresses (RFC 3987 syntax, checked with the `iri-string` crate).
pub fn is_uri(value: &str) -> bool {
    iri_string::types::IriStr::new(value).is_ok()
}

fn data_form_type_name(type_: &DataFormType) -> &'static str {
    match type_ {
        DataFormType::Cancel => "cancel",
        DataFormType::Form => "form",
        DataFormType::Result_ => "result",
        DataFormType::Submit => "submit",
    }
}

/// Writes one `result` form from several typed forms that share a FORM_TYPE, plus any
/// extra fields.
///
/// ```
/// # use xep_core::forms::{FormBuilder, TypedForm};
/// # use xep_core::contact::ContactAddresses;
/// # use xmpp_parsers::data_forms::Field;
/// let contacts = ContactAddresses {
///     admin: vec!["mailto:xmpp@example.org".into()],
///     ..Default::default()
/// };
/// let form = FormBuilder::new(ContactAddresses::FORM_TYPE)
///     .with(&contacts)?
///     .with_fields([Field::text_single("serverinfo-pubsub-node", "xmpp:pubsub.example.org?;node=serverinfo")])
///     .build();
/// assert_eq!(form.fields.len(), 3); // FORM_TYPE, admin-addresses, serverinfo-pubsub-node
/// # Ok::<(), xep_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FormBuilder {
    form_type: String,
    fields: Vec<Field>,
    /// Var -> index into `fields`.
    index: HashMap<String, usize>,
}

impl FormBuilder {
    /// Starts a form with this FORM_TYPE.
    pub fn new(form_type: impl Into<String>) -> Self {
        Self {
            form_type: form_type.into(),
            fields: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Adds a typed form's fields. Refuses a typed form of another FORM_TYPE.
    ///
    /// A field whose var is already present is replaced, so the typed value wins over
    /// extra fields added earlier.
    pub fn with<T: TypedForm>(mut self, typed: &T) -> Result<Self, Error> {
        if T::FORM_TYPE != self.form_type {
            return Err(Error::FormTypeMismatch {
                expected: self.form_type,
                found: T::FORM_TYPE.to_owned(),
            });
        }
        for field in typed.write() {
            self.put(field, true);
        }
        Ok(self)
    }

    /// Adds extra fields (such as [`Reading::unknown_fields`]); a field whose var is
    /// already present is skipped, as is any FORM_TYPE field.
    pub fn with_fields(mut self, fields: impl IntoIterator<Item = Field>) -> Self {
        for field in fields {
            if !is_form_type_field(&field) {
                self.put(field, false);
            }
        }
        self
    }

    fn put(&mut self, field: Field, replace: bool) {
        match field.var.as_ref().and_then(|v| self.index.get(v)) {
            Some(&i) if replace => self.fields[i] = field,
            Some(_) => {}
            None => {
                if let Some(var) = &field.var {
                    self.index.insert(var.clone(), self.fields.len());
                }
                self.fields.push(field);
            }
        }
    }

    /// The form: `type='result'`, hidden FORM_TYPE first, then the fields in the order
    /// they were added.
    pub fn build(self) -> DataForm {
        DataForm::new(DataFormType::Result_, &self.form_type, self.fields)
    }
}

/// A `list-multi` field with these values, as the registries describe address fields.
pub fn list_multi_field(spec: &FieldSpec, values: &[String]) -> Field {
    let mut field = Field::new(spec.var, spec.type_.clone());
    field.values = values.to_vec();
    field
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidom::Element;

    fn form(xml: &str) -> DataForm {
        DataForm::try_from(xml.parse::<Element>().unwrap()).unwrap()
    }

    /// A tiny typed form used to test the machinery without any real spec.
    #[derive(Debug, Clone, PartialEq, Default)]
    struct Probe {
        name: Option<String>,
        tags: Vec<String>,
    }

    impl TypedForm for Probe {
        const FORM_TYPE: &'static str = "urn:test:probe";
        const FIELDS: &'static [FieldSpec] = &[
            FieldSpec {
                var: "name",
                type_: FieldType::TextSingle,
                label: "Name",
            },
            FieldSpec {
                var: "tags",
                type_: FieldType::ListMulti,
                label: "Tags",
            },
        ];
        fn read(reader: &mut FormReader<'_>) -> Result<Self, Error> {
            Ok(Self {
                name: reader.single("name").map(str::to_owned),
                tags: reader.list("tags"),
            })
        }
        fn write(&self) -> Vec<Field> {
            let mut out = Vec::new();
            if let Some(name) = &self.name {
                out.push(Field::text_single("name", name));
            }
            if !self.tags.is_empty() {
                out.push(list_multi_field(&Self::FIELDS[1], &self.tags));
            }
            out
        }
    }

    const X: &str = "xmlns='jabber:x:data'";

    #[test]
    fn canonical_form_reads_without_deviation() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field><field var='name'><value>a</value></field><field var='tags' type='list-multi'><value>x</value><value>y</value></field></x>"
        ));
        let r = Probe::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.name.as_deref(), Some("a"));
        assert_eq!(r.value.tags, ["x", "y"]);
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert!(r.unknown_fields.is_empty());
        assert_eq!(Probe::from_forms_strict([&f]).unwrap().unwrap(), r.value);
    }

    #[test]
    fn absent_form_type_is_none_and_other_form_types_are_ignored() {
        let other = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:other</value></field><field var='name'><value>a</value></field></x>"
        ));
        let none = form(&format!(
            "<x {X} type='result'><field var='name'><value>a</value></field></x>"
        ));
        assert!(Probe::from_forms([&other, &none]).is_none());
        assert!(Probe::from_forms_strict([&other]).is_none());
    }

    #[test]
    fn form_type_without_hidden_is_read_and_reported() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE'><value>urn:test:probe</value></field><field var='name'><value>a</value></field></x>"
        ));
        // xmpp-parsers' own form_type() ignores it:
        assert_eq!(f.form_type(), None);
        let r = Probe::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.name.as_deref(), Some("a"));
        assert_eq!(
            r.deviations,
            [Deviation {
                field: None,
                kind: DeviationKind::FormTypeNotHidden
            }]
        );
        let err = Probe::from_forms_strict([&f]).unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            "form \"urn:test:probe\" deviates from its spec: FORM_TYPE field lacks type='hidden' (XEP-0068)"
        );
    }

    #[test]
    fn several_forms_merge_by_var_and_dedupe() {
        let a = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field><field var='tags' type='list-multi'><value>x</value></field><field var='vendor'><value>v1</value></field></x>"
        ));
        let b = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field><field var='tags' type='list-multi'><value>x</value><value>z</value></field><field var='name'><value>n</value></field></x>"
        ));
        let r = Probe::from_forms([&a, &b]).unwrap().unwrap();
        assert_eq!(r.value.tags, ["x", "z"]);
        assert_eq!(r.value.name.as_deref(), Some("n"));
        assert_eq!(r.unknown_fields.len(), 1);
        assert_eq!(r.unknown_fields[0].var.as_deref(), Some("vendor"));
        let shown: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "2 forms share this FORM_TYPE; merged by var",
                "field 'tags': appears 2 times; values merged",
                "field 'tags': value \"x\" repeated; kept once",
            ]
        );
    }

    #[test]
    fn wrong_types_and_too_many_values_are_reported_untyped_is_fine() {
        let f = form(&format!(
            "<x {X} type='form'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field><field var='name' type='text-multi'><value>a</value><value>b</value></field><field var='tags'><value>only</value></field></x>"
        ));
        let r = Probe::from_forms([&f]).unwrap().unwrap();
        assert_eq!(r.value.name.as_deref(), Some("a"));
        assert_eq!(
            r.value.tags,
            ["only"],
            "an untyped single value is one value"
        );
        let shown: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "form has type 'form', expected 'result'",
                "field 'name': type is 'text-multi', registered as 'text-single'",
                "field 'name': single-valued field has 2 values; the first was used",
            ]
        );
    }

    #[test]
    fn builder_merges_typed_forms_and_extras_without_duplicates() {
        let probe = Probe {
            name: Some("n".into()),
            tags: vec!["t".into()],
        };
        let built = FormBuilder::new(Probe::FORM_TYPE)
            .with_fields([
                Field::text_single("name", "stale"),
                Field::text_single("extra", "e"),
            ])
            .with(&probe)
            .unwrap()
            .with_fields([
                Field::text_single("extra", "ignored"),
                Field::text_single("FORM_TYPE", "x"),
            ])
            .build();
        assert_eq!(built.form_type(), Some("urn:test:probe"));
        let vars: Vec<_> = built
            .fields
            .iter()
            .map(|f| f.var.clone().unwrap())
            .collect();
        assert_eq!(vars, ["FORM_TYPE", "name", "extra", "tags"]);
        assert_eq!(built.fields[1].values, ["n"]);
        assert_eq!(built.fields[2].values, ["e"]);
        let back = Probe::from_forms_strict([&built]).unwrap().unwrap();
        assert_eq!(back, probe);
    }

    #[test]
    fn builder_refuses_foreign_form_type() {
        let err = FormBuilder::new("urn:other")
            .with(&Probe::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot merge a \"urn:test:probe\" form into a \"urn:other\" form"
        );
    }

    #[test]
    fn merged_form_read_refuses_foreign_type() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:other</value></field></x>"
        ));
        let merged = MergedForm::collect([&f], "urn:other").unwrap();
        assert!(matches!(
            merged.read::<Probe>(),
            Err(Error::FormTypeMismatch { .. })
        ));
    }

    #[test]
    fn hostile_sizes_stay_linear() {
        // 20,000 fields and 20,000 duplicate values: quadratic merging or dedup would
        // take minutes here; linear work takes milliseconds.
        let n = 20_000;
        let mut fields =
            vec![Field::new("FORM_TYPE", FieldType::Hidden).with_value("urn:test:probe")];
        for i in 0..n {
            fields.push(Field::text_single(&format!("junk{i}"), "x"));
        }
        let mut tags = Field::new("tags", FieldType::ListMulti);
        tags.values = (0..n).map(|i| format!("v{}", i % 2)).collect();
        fields.push(tags);
        let form = DataForm {
            type_: DataFormType::Result_,
            title: None,
            instructions: None,
            fields,
        };
        let r = Probe::from_forms([&form, &form]).unwrap().unwrap();
        assert_eq!(r.value.tags, ["v0", "v1"]);
        assert_eq!(r.unknown_fields.len(), n);
        // Two distinct duplicate values, each reported once.
        let dups = r
            .deviations
            .iter()
            .filter(|d| matches!(d.kind, DeviationKind::DuplicateValue { .. }))
            .count();
        assert_eq!(dups, 2);
        let built = FormBuilder::new(Probe::FORM_TYPE)
            .with_fields(r.unknown_fields.clone())
            .with_fields(r.unknown_fields)
            .build();
        assert_eq!(built.fields.len(), n + 1);
    }

    #[test]
    fn uri_check() {
        assert!(is_uri("mailto:abuse@example.org"));
        assert!(is_uri("xmpp:admins@example.org?message"));
        assert!(is_uri("https://example.org/päge"));
        assert!(!is_uri("abuse@example.org"));
        assert!(!is_uri("http://exa mple.org"));
    }
}

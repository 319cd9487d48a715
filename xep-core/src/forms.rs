//! Typed XEP-0128 service discovery extensions (XEP-0068 field standardisation).
//!
//! A registered FORM_TYPE is a small schema: a set of `var`s, each with a field type.
//! [`TypedForm`] describes one spec's share of such a form (XEP-0157 contact addresses,
//! XEP-0485 node coordinates, XEP-0455 status addresses), and this module reads and
//! writes it the way real servers need:
//!
//! * **Lenient reading** ([`TypedForm::read`], or [`TypedForm::read_element`] from a
//!   raw disco#info result): every form carrying the FORM_TYPE
//!   is used, whether or not its `FORM_TYPE` field says `type='hidden'`; several forms
//!   with one FORM_TYPE are merged by `var` (values concatenated, exact duplicates
//!   dropped); unknown fields are ignored (and handed back, so nothing is lost);
//!   untyped fields are accepted. Every departure from the specs is recorded as a
//!   [`Deviation`] next to the value, with a path such as
//!   `/x[2]/field[@var='abuse-addresses']`.
//! * **Strict reading** ([`TypedForm::read_strict`]): the same, but any deviation of
//!   severity `should` or worse makes it an [`Error::Strict`] that lists them.
//! * **White space**: FORM_TYPE and xs:anyURI values are collapsed as XML Schema does
//!   for their datatype before they are compared or returned, and each collapse is
//!   reported (severity `should`).
//! * **Writing** ([`FormBuilder`]): several typed forms that share a FORM_TYPE, plus
//!   any extra fields, become one `<x type='result'/>` with a hidden FORM_TYPE.
//!
//! About field types: XEP-0004 lets a `result` form omit `type` ("the receiving entity
//! can infer the 'type' attribute value from context"), and xmpp-parsers reads a
//! missing `type` as `text-single`. So a `text-single` field is taken as "untyped" and
//! never reported; any other type that differs from the registered one is a deviation.

use alloc::borrow::Cow;
use std::collections::{HashMap, HashSet};

use minidom::Element;
use xmpp_parsers::data_forms::{DataForm, DataFormType, Field, FieldType};

use crate::disco::{DiscoInfo, query_path};
use crate::error::Error;
use crate::reading::{Deviation, Path, Reading, Severity, excerpt};

/// The var of the field naming a form's FORM_TYPE (XEP-0068).
pub const FORM_TYPE_VAR: &str = "FORM_TYPE";

/// One registered field of a FORM_TYPE, as listed in a spec's "Field Standardization".
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// The field's `var`.
    pub var: &'static str,
    /// The registered field type.
    pub type_: FieldType,
}

/// One spec's typed share of a registered FORM_TYPE.
///
/// Implementors say which FORM_TYPE and fields they own, how to build themselves from
/// a [`FormReader`] and how to write their fields; the provided methods do the rest,
/// in the [one shape](crate::reading) of every crate: a lenient [`read`](Self::read)
/// returning the value (absent when no form carries the FORM_TYPE) with every
/// [`Deviation`], and a strict [`read_strict`](Self::read_strict).
pub trait TypedForm: Sized {
    /// The FORM_TYPE value this type lives under.
    const FORM_TYPE: &'static str;
    /// The fields this type owns. Fields of the same FORM_TYPE that other specs
    /// register are not listed and are treated as unknown.
    const FIELDS: &'static [FieldSpec];

    /// Builds the value from the merged fields. Field-level deviations (too many
    /// values, values that are not what the spec says) are recorded on `reader`.
    /// An `Err` drops the typed value (reported as [`Severity::Dropped`]).
    fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, Error>;

    /// The fields that represent this value, in registry order. Fields with nothing to
    /// say (an empty address list) are left out.
    fn write(&self) -> Vec<Field>;

    /// Reads this type from every form carrying its FORM_TYPE, leniently.
    ///
    /// The value is `None` when no form has the FORM_TYPE (or the typed form could
    /// not be built at all, then with a [`Severity::Dropped`] deviation). Paths name
    /// the forms by their position in `forms`: `/x[2]/field[@var='abuse-addresses']`.
    fn read<'a, I>(forms: I) -> Reading<Option<Self>>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        read_at(forms, &Path::root())
    }

    /// [`read`](Self::read), with paths under `prefix` (such as the `/iq[1]/query[1]`
    /// the forms came from, [`crate::disco::query_path`]).
    fn read_under<'a, I>(forms: I, prefix: &Path) -> Reading<Option<Self>>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        read_at(forms, prefix)
    }

    /// Reads this type from every form carrying its FORM_TYPE, refusing any deviation
    /// of severity [`Severity::Should`] or worse ([`Error::Strict`] lists them).
    fn read_strict<'a, I>(forms: I) -> Result<Option<Self>, Error>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        Ok(Self::read(forms).into_strict(Self::FORM_TYPE)?)
    }

    /// Reads this type from a raw disco#info `<query/>` or the `<iq/>` holding it,
    /// reading each form on its own ([`DiscoInfo::read`]), so that a malformed
    /// unrelated form does not hide this one. Deviations of the disco result itself
    /// (dropped fields, dropped forms) come first.
    fn read_element(element: &Element) -> Result<Reading<Option<Self>>, Error> {
        let info = DiscoInfo::read(element)?;
        let mut deviations = info.deviations;
        let typed = read_at(&info.value.forms, &query_path(element)).take(&mut deviations);
        Ok(Reading::new(typed, deviations))
    }

    /// The fields of this FORM_TYPE in `forms` that this type does not own (other
    /// specs' fields, vendor fields), merged by var, in order of first appearance.
    /// Pass them to [`FormBuilder::with_fields`] to write the form back without
    /// losing them.
    fn unknown_fields<'a, I>(forms: I) -> Vec<Field>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        MergedForm::collect(forms, Self::FORM_TYPE)
            .map(|merged| merged.unknown_fields::<Self>())
            .unwrap_or_default()
    }

    /// This value alone as a `result` form with a hidden FORM_TYPE.
    fn to_form(&self) -> DataForm {
        FormBuilder::new(Self::FORM_TYPE)
            .with(self)
            .expect("a typed form always fits a builder of its own FORM_TYPE")
            .build()
    }
}

fn read_at<'a, T, I>(forms: I, prefix: &Path) -> Reading<Option<T>>
where
    T: TypedForm,
    I: IntoIterator<Item = &'a DataForm>,
{
    let Some(merged) = MergedForm::collect_at(forms, T::FORM_TYPE, prefix) else {
        return Reading::clean(None);
    };
    match merged.read::<T>() {
        Ok(reading) => reading.map(Some),
        Err(error) => {
            let path = merged.form_path(0);
            let mut deviations = merged.deviations;
            deviations.push(Deviation::new(
                Severity::Dropped,
                "typed-form-unreadable",
                path,
                format!("the {} form could not be read: {error}", T::FORM_TYPE),
            ));
            Reading::new(None, deviations)
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
/// some servers disagree, see INTEROP P12), with white space collapsed as for any
/// URI (a pretty-printed value still names the form).
pub fn lenient_form_type(form: &DataForm) -> Option<Cow<'_, str>> {
    let raw = form
        .fields
        .iter()
        .find(|f| is_form_type_field(f))
        .and_then(|f| f.values.first())?;
    Some(collapse_value(raw))
}

/// `value` with white space collapsed (XML Schema `collapse`), borrowed when there was
/// nothing to collapse.
fn collapse_value(value: &str) -> Cow<'_, str> {
    let clean = !value.starts_with(is_xml_space)
        && !value.ends_with(is_xml_space)
        && !value.contains(['\t', '\n', '\r'])
        && !value.contains("  ");
    if clean {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(crate::disco::collapse(value))
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// All fields of one FORM_TYPE, gathered from every form that carries it and merged
/// by var.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedForm {
    form_type: String,
    /// Merged fields, in order of first appearance, FORM_TYPE excluded.
    fields: Vec<Field>,
    /// Per merged field: the index (into `form_paths`) of the form it first appeared in.
    field_forms: Vec<usize>,
    /// Var -> index into `fields` (hostile forms can have many fields).
    index: HashMap<String, usize>,
    /// Paths of the forms that carry the FORM_TYPE, in order.
    form_paths: Vec<Path>,
    /// Form-level and merge deviations.
    deviations: Vec<Deviation>,
}

impl MergedForm {
    /// Gathers every form whose FORM_TYPE (hidden or not, white space collapsed) is
    /// `form_type`; paths name the forms by position: `/x[1]`, `/x[2]`, ...
    ///
    /// `None` when there is none.
    pub fn collect<'a, I>(forms: I, form_type: &str) -> Option<Self>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        Self::collect_at(forms, form_type, &Path::root())
    }

    /// [`collect`](Self::collect), with paths under `prefix` (such as
    /// `/iq[1]/query[1]`).
    pub fn collect_at<'a, I>(forms: I, form_type: &str, prefix: &Path) -> Option<Self>
    where
        I: IntoIterator<Item = &'a DataForm>,
    {
        let mut merged = Self {
            form_type: form_type.to_owned(),
            fields: Vec::new(),
            field_forms: Vec::new(),
            index: HashMap::new(),
            form_paths: Vec::new(),
            deviations: Vec::new(),
        };
        // Per merged field: how many times its var was seen.
        let mut seen: Vec<usize> = Vec::new();
        for (position, form) in forms.into_iter().enumerate() {
            let form_path = prefix.clone().elem("x", position + 1);
            let Some((field_at, raw)) = form
                .fields
                .iter()
                .enumerate()
                .find(|(_, f)| is_form_type_field(f))
                .and_then(|(i, f)| f.values.first().map(|v| (i, v)))
            else {
                continue;
            };
            if collapse_value(raw) != form_type {
                continue;
            }
            let form_index = merged.form_paths.len();
            merged.form_paths.push(form_path.clone());
            let type_path = form_path.clone().field(FORM_TYPE_VAR);
            if raw != form_type {
                merged.deviations.push(Deviation::new(
                    Severity::Should,
                    "form-type-white-space",
                    type_path.clone(),
                    format!(
                        "FORM_TYPE value {} has white space around or inside it; read as {}",
                        excerpt(raw),
                        excerpt(form_type)
                    ),
                ));
            }
            if form.type_ != DataFormType::Result_ {
                merged.deviations.push(Deviation::new(
                    Severity::Must,
                    "form-not-result",
                    form_path.clone().attr("type"),
                    format!(
                        "form has type '{}'; disco#info extensions are result forms (XEP-0128)",
                        data_form_type_name(&form.type_)
                    ),
                ));
            }
            if form.fields[field_at].type_ != FieldType::Hidden {
                merged.deviations.push(Deviation::new(
                    Severity::Must,
                    "form-type-not-hidden",
                    type_path,
                    "FORM_TYPE field lacks type='hidden' (XEP-0068); read anyway",
                ));
            }
            for field in &form.fields {
                if is_form_type_field(field) {
                    continue;
                }
                let position = field
                    .var
                    .as_ref()
                    .and_then(|v| merged.index.get(v).copied());
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
                            merged.index.insert(var.clone(), merged.fields.len());
                        }
                        merged.fields.push(field.clone());
                        merged.field_forms.push(form_index);
                        seen.push(1);
                    }
                }
            }
        }
        let count = merged.form_paths.len();
        if count == 0 {
            return None;
        }
        if count > 1 {
            merged.deviations.insert(
                0,
                Deviation::new(
                    Severity::Should,
                    "several-forms",
                    merged.form_paths[1].clone(),
                    format!(
                        "{count} forms share the FORM_TYPE {}; merged by var \
                         (XEP-0115 caps verification refuses such a result)",
                        excerpt(form_type)
                    ),
                ),
            );
        }
        for (i, &n) in seen.iter().enumerate() {
            if n > 1 {
                let var = merged.fields[i].var.clone().unwrap_or_default();
                let path = merged.field_path(i);
                merged.deviations.push(Deviation::new(
                    Severity::Must,
                    "repeated-field",
                    path,
                    format!("field {} appears {n} times; values merged", excerpt(&var)),
                ));
            }
        }
        Some(merged)
    }

    fn form_path(&self, form: usize) -> Path {
        self.form_paths.get(form).cloned().unwrap_or_default()
    }

    fn field_path(&self, field: usize) -> Path {
        let var = self.fields[field].var.as_deref().unwrap_or("");
        self.form_path(self.field_forms[field]).field(var)
    }

    /// The FORM_TYPE.
    pub fn form_type(&self) -> &str {
        &self.form_type
    }

    /// The merged fields, FORM_TYPE excluded, in order of first appearance.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Form-level deviations (FORM_TYPE not hidden or padded, several forms, repeated
    /// fields).
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }

    /// The merged fields that `T` does not own, in order of first appearance.
    pub fn unknown_fields<T: TypedForm>(&self) -> Vec<Field> {
        self.fields
            .iter()
            .filter(|f| !T::FIELDS.iter().any(|s| f.var.as_deref() == Some(s.var)))
            .cloned()
            .collect()
    }

    /// Reads a typed form from these fields, leniently: the form-level deviations,
    /// then the field-level ones.
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
            reported: HashSet::new(),
        };
        for spec in T::FIELDS {
            let Some(field) = reader.field(spec.var) else {
                continue;
            };
            if field.type_ != spec.type_ && field.type_ != FieldType::TextSingle {
                let message = format!(
                    "type is '{}', registered as '{}' (XEP-0068)",
                    field_type_name(&field.type_),
                    field_type_name(&spec.type_)
                );
                reader.deviate(spec.var, Severity::Should, "wrong-field-type", message);
            }
        }
        let value = T::from_reader(&mut reader)?;
        Ok(Reading::new(value, reader.deviations))
    }
}

/// The view of a merged form that [`TypedForm::from_reader`] gets.
#[derive(Debug)]
pub struct FormReader<'a> {
    merged: &'a MergedForm,
    deviations: Vec<Deviation>,
    /// (code, path) of the field deviations reported through
    /// [`deviate`](Self::deviate), to report each once without a scan.
    reported: HashSet<(&'static str, Path)>,
}

impl<'a> FormReader<'a> {
    /// The merged field with this var.
    pub fn field(&self, var: &str) -> Option<&'a Field> {
        self.merged.index.get(var).map(|&i| &self.merged.fields[i])
    }

    /// The path of the field with this var (its first appearance), or of the field in
    /// the first form when it is absent.
    pub fn path(&self, var: &str) -> Path {
        match self.merged.index.get(var) {
            Some(&i) => self.merged.field_path(i),
            None => self.merged.form_path(0).field(var),
        }
    }

    /// All values of a field (none when the field is absent), whatever its type: a
    /// single-valued or untyped field with one value is a list of one.
    pub fn values(&self, var: &str) -> &'a [String] {
        self.field(var).map_or(&[], |f| f.values.as_slice())
    }

    /// The values of a multi-valued field with exact duplicates removed (first
    /// occurrence kept, each repeated value reported once).
    pub fn list(&mut self, var: &str) -> Vec<String> {
        let values = self.values(var).to_vec();
        self.dedup(var, values)
    }

    fn dedup(&mut self, var: &str, values: Vec<String>) -> Vec<String> {
        // Which values to keep, with sets of borrowed values (no copy of a long
        // list's values beside the list).
        let mut keep = Vec::with_capacity(values.len());
        {
            let mut kept: HashSet<&str> = HashSet::new();
            let mut repeated: HashSet<&str> = HashSet::new();
            for value in &values {
                let first = kept.insert(value.as_str());
                if !first && repeated.insert(value.as_str()) {
                    let message = format!("value {} repeated; kept once", excerpt(value));
                    self.deviate_each(var, Severity::Should, "duplicate-value", message);
                }
                keep.push(first);
            }
        }
        values
            .into_iter()
            .zip(keep)
            .filter_map(|(value, keep)| keep.then_some(value))
            .collect()
    }

    /// The value of a single-valued field: the first one, with a deviation if there
    /// are several.
    pub fn single(&mut self, var: &str) -> Option<&'a str> {
        let values = self.values(var);
        if values.len() > 1 {
            let message = format!(
                "single-valued field has {} values; the first was used",
                values.len()
            );
            self.deviate(var, Severity::Must, "too-many-values", message);
        }
        values.first().map(String::as_str)
    }

    /// Like [`list`](Self::list) for token-like values (JIDs, node names, URIs):
    /// white space collapsed as XML Schema does (each collapse reported, severity
    /// `should`), then duplicates removed.
    pub fn collapsed_list(&mut self, var: &str) -> Vec<String> {
        let mut collapsed = Vec::new();
        for value in self.values(var) {
            let clean = collapse_value(value);
            if clean != value.as_str() {
                let message = format!(
                    "value {} has white space around or inside it; read as {}",
                    excerpt(value),
                    excerpt(&clean)
                );
                self.deviate_each(var, Severity::Should, "value-white-space", message);
            }
            collapsed.push(clean.into_owned());
        }
        self.dedup(var, collapsed)
    }

    /// Like [`list`](Self::list) for xs:anyURI values: white space collapsed as XML
    /// Schema does for the type (reported), duplicates removed, and each value checked.
    /// A value that is not an absolute URI is kept and reported: as a MUST violation
    /// only when `required` and the value is not even a relative reference (xs:anyURI
    /// admits those, so they are at most a SHOULD-level problem).
    pub fn uri_list(&mut self, var: &str, required: bool) -> Vec<String> {
        let out = self.collapsed_list(var);
        for value in &out {
            if is_uri(value) {
                continue;
            }
            let relative = is_uri_reference(value);
            let severity = if required && !relative {
                Severity::Must
            } else {
                Severity::Should
            };
            let message = if relative {
                format!(
                    "value {} is a relative reference, not an absolute URI",
                    excerpt(value)
                )
            } else {
                format!(
                    "value {} is not a valid URI (the spec says {})",
                    excerpt(value),
                    if required { "MUST" } else { "SHOULD" }
                )
            };
            self.deviate_each(var, severity, "invalid-uri", message);
        }
        out
    }

    /// Records a deviation on a field, once per (code, field).
    pub fn deviate(
        &mut self,
        var: &str,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) {
        let path = self.path(var);
        if self.reported.insert((code, path.clone())) {
            self.deviations
                .push(Deviation::new(severity, code, path, message));
        }
    }

    /// Records a deviation on a field, one per offending value.
    pub fn deviate_each(
        &mut self,
        var: &str,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) {
        let path = self.path(var);
        self.deviations
            .push(Deviation::new(severity, code, path, message));
    }
}

/// Whether a value is an absolute URI or IRI, the useful reading of xs:anyURI for
/// addresses (RFC 3987 syntax, checked with the `iri-string` crate).
pub fn is_uri(value: &str) -> bool {
    iri_string::types::IriStr::new(value).is_ok()
}

/// Whether a value is an IRI reference, absolute or relative (what xs:anyURI admits).
pub fn is_uri_reference(value: &str) -> bool {
    iri_string::types::IriReferenceStr::new(value).is_ok()
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

    /// Adds extra fields (such as [`TypedForm::unknown_fields`]); a field whose var is
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
            },
            FieldSpec {
                var: "tags",
                type_: FieldType::ListMulti,
            },
        ];
        fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, Error> {
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
        let r = Probe::read([&f]);
        let value = r.value.clone().unwrap();
        assert_eq!(value.name.as_deref(), Some("a"));
        assert_eq!(value.tags, ["x", "y"]);
        assert!(r.deviations.is_empty(), "{:?}", r.deviations);
        assert!(Probe::unknown_fields([&f]).is_empty());
        assert_eq!(Probe::read_strict([&f]).unwrap(), Some(value));
    }

    #[test]
    fn absent_form_type_is_none_and_other_form_types_are_ignored() {
        let other = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:other</value></field><field var='name'><value>a</value></field></x>"
        ));
        let none = form(&format!(
            "<x {X} type='result'><field var='name'><value>a</value></field></x>"
        ));
        let r = Probe::read([&other, &none]);
        assert_eq!(r.value, None);
        assert!(r.deviations.is_empty());
        assert_eq!(Probe::read_strict([&other]).unwrap(), None);
    }

    #[test]
    fn form_type_without_hidden_is_read_and_reported() {
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE'><value>urn:test:probe</value></field><field var='name'><value>a</value></field></x>"
        ));
        // xmpp-parsers' own form_type() ignores it:
        assert_eq!(f.form_type(), None);
        let r = Probe::read([&f]);
        assert_eq!(r.value.unwrap().name.as_deref(), Some("a"));
        assert_eq!(r.deviations.len(), 1);
        assert_eq!(r.deviations[0].code, "form-type-not-hidden");
        assert_eq!(r.deviations[0].severity, Severity::Must);
        let err = Probe::read_strict([&f]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "urn:test:probe deviates from its spec: /x[1]/field[@var='FORM_TYPE']: \
             FORM_TYPE field lacks type='hidden' (XEP-0068); read anyway [must]"
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
        let r = Probe::read([&a, &b]);
        let value = r.value.unwrap();
        assert_eq!(value.tags, ["x", "z"]);
        assert_eq!(value.name.as_deref(), Some("n"));
        let unknown = Probe::unknown_fields([&a, &b]);
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].var.as_deref(), Some("vendor"));
        let shown: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "/x[2]: 2 forms share the FORM_TYPE \"urn:test:probe\"; merged by var \
                 (XEP-0115 caps verification refuses such a result) [should]",
                "/x[1]/field[@var='tags']: field \"tags\" appears 2 times; values merged [must]",
                "/x[1]/field[@var='tags']: value \"x\" repeated; kept once [should]",
            ]
        );
    }

    #[test]
    fn wrong_types_and_too_many_values_are_reported_untyped_is_fine() {
        let f = form(&format!(
            "<x {X} type='form'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field><field var='name' type='text-multi'><value>a</value><value>b</value></field><field var='tags'><value>only</value></field></x>"
        ));
        let r = Probe::read([&f]);
        let value = r.value.unwrap();
        assert_eq!(value.name.as_deref(), Some("a"));
        assert_eq!(value.tags, ["only"], "an untyped single value is one value");
        let shown: Vec<String> = r.deviations.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "/x[1]/@type: form has type 'form'; disco#info extensions are result forms (XEP-0128) [must]",
                "/x[1]/field[@var='name']: type is 'text-multi', registered as 'text-single' (XEP-0068) [should]",
                "/x[1]/field[@var='name']: single-valued field has 2 values; the first was used [must]",
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
        let back = Probe::read_strict([&built]).unwrap().unwrap();
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
        let r = Probe::read([&form, &form]);
        assert_eq!(r.value.unwrap().tags, ["v0", "v1"]);
        let unknown = Probe::unknown_fields([&form, &form]);
        assert_eq!(unknown.len(), n);
        // Two distinct duplicate values, each reported once.
        let dups = r
            .deviations
            .iter()
            .filter(|d| d.code == "duplicate-value")
            .count();
        assert_eq!(dups, 2);
        let built = FormBuilder::new(Probe::FORM_TYPE)
            .with_fields(unknown.clone())
            .with_fields(unknown)
            .build();
        assert_eq!(built.fields.len(), n + 1);
    }

    #[test]
    fn pretty_printed_form_type_and_padded_uris_are_read_and_reported() {
        // Fails on the old code: the whole form was invisible, with no deviation.
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>\n    urn:test:probe\n  </value></field><field var='name'><value>a</value></field></x>"
        ));
        let r = Probe::read([&f]);
        assert_eq!(r.value.unwrap().name.as_deref(), Some("a"));
        assert_eq!(r.deviations[0].code, "form-type-white-space");
        assert!(Probe::read_strict([&f]).is_err());
    }

    #[test]
    fn unreadable_typed_form_is_dropped_with_its_reason() {
        #[derive(Debug)]
        struct Picky;
        impl TypedForm for Picky {
            const FORM_TYPE: &'static str = "urn:test:probe";
            const FIELDS: &'static [FieldSpec] = &[];
            fn from_reader(_: &mut FormReader<'_>) -> Result<Self, Error> {
                Err(Error::Form {
                    form_type: "urn:test:probe".into(),
                    reason: "no".into(),
                })
            }
            fn write(&self) -> Vec<Field> {
                Vec::new()
            }
        }
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field></x>"
        ));
        let r = Picky::read([&f]);
        assert!(r.value.is_none());
        assert_eq!(r.deviations[0].severity, Severity::Dropped);
        assert_eq!(r.deviations[0].path.as_str(), "/x[1]");
    }

    #[test]
    fn read_element_sees_past_a_broken_unrelated_form() {
        let iq: Element = format!(
            "<iq xmlns='jabber:client' type='result' id='q'><query xmlns='http://jabber.org/protocol/disco#info'>\
             <x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:a</value><value>urn:b</value></field></x>\
             <x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field>\
             <field var='name'><value>a</value><value>b</value></field></x></query></iq>"
        )
        .parse()
        .unwrap();
        let r = Probe::read_element(&iq).unwrap();
        assert_eq!(r.value.unwrap().name.as_deref(), Some("a"));
        let paths: Vec<_> = r.deviations.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/iq[1]/query[1]/x[1]/field[1]",
                "/iq[1]/query[1]/x[2]/field[@var='name']"
            ]
        );
    }

    #[test]
    fn relative_references_are_at_most_should() {
        #[derive(Debug)]
        struct Uris(Vec<String>);
        impl TypedForm for Uris {
            const FORM_TYPE: &'static str = "urn:test:probe";
            const FIELDS: &'static [FieldSpec] = &[];
            fn from_reader(reader: &mut FormReader<'_>) -> Result<Self, Error> {
                Ok(Self(reader.uri_list("u", true)))
            }
            fn write(&self) -> Vec<Field> {
                Vec::new()
            }
        }
        let f = form(&format!(
            "<x {X} type='result'><field var='FORM_TYPE' type='hidden'><value>urn:test:probe</value></field>\
             <field var='u'><value>/status.json</value><value> https://a.example/ </value><value>a b c</value></field></x>"
        ));
        let r = Uris::read([&f]);
        assert_eq!(
            r.value.unwrap().0,
            ["/status.json", "https://a.example/", "a b c"]
        );
        let got: Vec<_> = r
            .deviations
            .iter()
            .map(|d| (&*d.code, d.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("value-white-space", Severity::Should),
                ("invalid-uri", Severity::Should),
                ("invalid-uri", Severity::Must),
            ]
        );
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

//! The JSON Schema of the status file, generated with `schemars` from [`Status`].
//!
//! The generated schema accepts and rejects exactly what the schema published in the
//! spec accepts and rejects (with `format` checking on), with one addition: `{}`, the
//! "no outage" file that v0.2 and v0.4 describe ("When the outage is over, the file
//! SHOULD be replaced with an empty JSON object") but that their schemas reject because
//! `beginning` is required.
//!
//! The seed and v0.2 publish the same schema (with the `outage` enum); v0.4 drops
//! `outage`, so any value is accepted there as an extension field.

use schemars::generate::SchemaSettings;
use schemars::{Schema, json_schema};
use serde_json::Value;

use crate::Version;
use crate::status::Status;

/// The `$id` of the published schema.
pub const SCHEMA_ID: &str = "http://xmpp.org/server-outage-schema.json";

/// The schema for one version of the status file (draft-07, like the published one).
///
/// ```
/// use xep_sos::{Version, schema::schema};
/// let seed = schema(Version::Seed);
/// assert_eq!(seed.get("$schema").unwrap(), "http://json-schema.org/draft-07/schema#");
/// let text = serde_json::to_string(&seed).unwrap();
/// assert!(text.contains("\"partial\""));
/// assert!(!serde_json::to_string(&schema(Version::V0_4)).unwrap().contains("\"partial\""));
/// ```
pub fn schema(version: Version) -> Schema {
    let mut outage: Schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Status>();
    let object = outage
        .as_object_mut()
        .expect("a struct schema is an object");
    let meta = object.remove("$schema");
    object.remove("$id");
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        // `#[serde(default)]` makes schemars annotate `"default": null`, which is not a
        // value the file may hold.
        for property in properties.values_mut() {
            if let Value::Object(p) = property {
                p.remove("default");
            }
        }
        if !version.has_outage_field() {
            properties.remove("outage");
        }
    }
    if !version.has_outage_field() {
        // The enum is no longer referenced.
        object.remove("definitions");
    }
    let mut root = json_schema!({
        "$id": SCHEMA_ID,
        "title": "XMPP Server Outage Format",
        "description": format!(
            "Status file of XEP-0455 ({version}): an outage, or {{}} when there is none."
        ),
        "anyOf": [
            { "type": "object", "maxProperties": 0, "description": "No outage." },
        ],
    });
    let definitions = object.remove("definitions");
    let root_object = root.as_object_mut().expect("built as an object");
    if let Some(meta) = meta {
        root_object.insert("$schema".into(), meta);
    }
    if let Some(definitions) = definitions {
        root_object.insert("definitions".into(), definitions);
    }
    root_object["anyOf"]
        .as_array_mut()
        .expect("built as an array")
        .push(outage.into());
    root
}

/// The schema as pretty-printed JSON with a final newline.
pub fn schema_text(version: Version) -> String {
    let mut text = serde_json::to_string_pretty(&schema(version)).expect("a schema serialises");
    text.push('\n');
    text
}

//! Writes the JSON Schema of a version of the status file to standard output:
//! `cargo run -p xep-sos --example print_schema -- seed`.
fn main() {
    let version = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "v0.4".into())
        .parse::<xep_sos::Version>()
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    print!("{}", xep_sos::schema::schema_text(version));
}

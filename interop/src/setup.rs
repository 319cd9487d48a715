//! `interop setup`: writes a server's configuration into a directory, from the
//! templates in `interop/servers/` and the values in [`crate::fixture`], plus the
//! accounts to register and the [`Target`] that `interop run` reads.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fixture::{self, Account, HOME, OPTIN, PASSWORD, PLAIN, PUBSUB};

/// The servers the suite knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Server {
    /// Prosody 0.12 (Debian package `prosody`).
    Prosody,
    /// ejabberd 23.01 (Debian package `ejabberd`).
    Ejabberd,
}

impl Server {
    /// The name used on the command line and in the log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Prosody => "prosody",
            Self::Ejabberd => "ejabberd",
        }
    }

    /// Parses a name given on the command line.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "prosody" => Some(Self::Prosody),
            "ejabberd" => Some(Self::Ejabberd),
            _ => None,
        }
    }

    /// Where the server hosts the XEP-0455 outage nodes, if it can host them where
    /// the spec puts them (on the server's own bare JID), or why not.
    pub fn sos_service(self) -> Result<&'static str, &'static str> {
        match self {
            // mod_pubsub loaded on the VirtualHost itself.
            Self::Prosody => Ok(HOME),
            Self::Ejabberd => Err(
                "ejabberd 23.01's mod_pubsub serves pubsub on hosts of their own (its `hosts` \
                 option, here pubsub.home.test), not on the vhost's bare JID where XEP-0455 \
                 puts the outage node; events from pubsub.home.test reach subscribers \
                 (sos/delivery-*) and the tracker refuses them as not from the server",
            ),
        }
    }
}

/// What `interop run` needs to know about a running server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Which server.
    pub server: Server,
    /// Its client-to-server address, `127.0.0.1:PORT`.
    pub c2s: String,
    /// The loopback port on which the tests serve the status file.
    pub http_port: u16,
}

/// The file in the configuration directory holding the [`Target`].
pub const TARGET_FILE: &str = "target.json";
/// The file in the configuration directory listing the accounts to register, one
/// `user host password` per line.
pub const ACCOUNTS_FILE: &str = "accounts";

const PROSODY_CFG: &str = include_str!("../servers/prosody/prosody.cfg.lua.in");
const PROSODY_MODULES: &[(&str, &str)] = &[
    (
        "mod_interop_sos.lua",
        include_str!("../servers/prosody/mod_interop_sos.lua"),
    ),
    (
        "mod_interop_serverinfo.lua",
        include_str!("../servers/prosody/mod_interop_serverinfo.lua"),
    ),
    (
        "mod_interop_directory.lua",
        include_str!("../servers/prosody/mod_interop_directory.lua"),
    ),
];
const EJABBERD_YML: &str = include_str!("../servers/ejabberd/ejabberd.yml.in");
const EJABBERDCTL_CFG: &str = include_str!("../servers/ejabberd/ejabberdctl.cfg.in");
const EJABBERD_MODULE: &str = include_str!("../servers/ejabberd/mod_interop.erl");

/// Ports and places for one server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which server.
    pub server: Server,
    /// The directory to write into (it must exist).
    pub dir: PathBuf,
    /// The c2s port on 127.0.0.1.
    pub c2s_port: u16,
    /// The port of the test's HTTP server on 127.0.0.1.
    pub http_port: u16,
    /// ejabberd only: the Erlang distribution port (for `ejabberdctl`).
    pub dist_port: u16,
}

/// Writes everything for `options.server` into `options.dir`.
pub fn write(options: &Options) -> Result<(), String> {
    let dir = &options.dir;
    let dir_text = dir
        .to_str()
        .ok_or_else(|| format!("{}: not UTF-8", dir.display()))?;
    let mut values = vec![
        ("DIR", dir_text.to_owned()),
        ("C2S_PORT", options.c2s_port.to_string()),
        ("ADMIN_JID", Account::Admin.bare()),
        ("HOME", HOME.to_owned()),
        ("OPTIN", OPTIN.to_owned()),
        ("PLAIN", PLAIN.to_owned()),
        ("PUBSUB", PUBSUB.to_owned()),
        ("SERVERINFO_URI", fixture::serverinfo_uri()),
    ];
    let status = fixture::status_addresses(options.http_port);
    match options.server {
        Server::Prosody => {
            values.push(("CONTACT_INFO", prosody_contact_info()));
            values.push(("SERVER_CARD", lua_long_string(&fixture::server_card_xml())?));
            values.push((
                "STATUS_ADDRESSES",
                status
                    .iter()
                    .map(|a| lua_string(a))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
            write_file(dir, "prosody.cfg.lua", &render(PROSODY_CFG, &values)?)?;
            for sub in ["modules", "data", "certs"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{sub}: {e}"))?;
            }
            for (name, text) in PROSODY_MODULES {
                write_file(&dir.join("modules"), name, text)?;
            }
        }
        Server::Ejabberd => {
            values.push(("SERVER_INFO", ejabberd_server_info()));
            values.push(("SERVER_CARD", yaml_string(&fixture::server_card_xml())));
            values.push(("STATUS_ADDRESSES", yaml_list(&status, 10)));
            values.push(("NODE", "interop@localhost".to_owned()));
            values.push(("DIST_PORT", options.dist_port.to_string()));
            write_file(dir, "ejabberd.yml", &render(EJABBERD_YML, &values)?)?;
            write_file(dir, "ejabberdctl.cfg", &render(EJABBERDCTL_CFG, &values)?)?;
            // ejabberdctl points Erlang at CONFIG_DIR/inetrc.
            write_file(dir, "inetrc", "")?;
            for sub in ["src", "ebin", "spool", "log", "home"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{sub}: {e}"))?;
            }
            write_file(&dir.join("src"), "mod_interop.erl", EJABBERD_MODULE)?;
        }
    }
    let mut accounts = String::new();
    for account in Account::ALL {
        let _ = writeln!(accounts, "{} {} {PASSWORD}", account.user(), account.host());
    }
    write_file(dir, ACCOUNTS_FILE, &accounts)?;
    let target = Target {
        server: options.server,
        c2s: format!("127.0.0.1:{}", options.c2s_port),
        http_port: options.http_port,
    };
    let json = serde_json::to_string_pretty(&target).map_err(|e| e.to_string())?;
    write_file(dir, TARGET_FILE, &json)
}

/// Reads the [`Target`] written by [`write`].
pub fn read_target(path: &Path) -> Result<Target, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Replaces every `{{NAME}}` in `template`; a placeholder without a value is an
/// error, so that a template and this file cannot drift apart silently.
pub fn render(template: &str, values: &[(&str, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "unclosed {{ in template".to_owned())?;
        let name = &after[..end];
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("no value for template placeholder {{{{{name}}}}}"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A Lua string literal.
fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Lua long string literal (`[==[...]==]`, with as many `=` as it takes), which
/// keeps XML text as it is.
fn lua_long_string(text: &str) -> Result<String, String> {
    (0..8)
        .map(|n| "=".repeat(n))
        .find(|eq| !text.contains(&format!("]{eq}]")))
        .map(|eq| format!("[{eq}[{text}]{eq}]"))
        .ok_or_else(|| "no Lua long bracket level fits the text".to_owned())
}

/// A YAML double-quoted string (JSON strings are valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// A YAML block list, each item indented by `indent` spaces.
fn yaml_list(items: &[String], indent: usize) -> String {
    items
        .iter()
        .map(|i| format!("{:indent$}- {}", "", yaml_string(i)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// mod_server_contact_info's `contact_info` table entries.
fn prosody_contact_info() -> String {
    fixture::contact_addresses()
        .by_var()
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(var, values)| {
            let key = var.trim_end_matches("-addresses");
            let list: Vec<String> = values.iter().map(|v| lua_string(v)).collect();
            format!("\t\t{key} = {{ {} }};", list.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// mod_disco's `server_info` entries: the contact addresses, then the XEP-0485 node.
fn ejabberd_server_info() -> String {
    let contact = fixture::contact_addresses();
    let node = [fixture::serverinfo_uri()];
    let mut entries: Vec<(&str, &[String])> = contact
        .by_var()
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .collect();
    entries.push((xep_serverinfo::discovery::NODE_VAR, &node));
    entries
        .iter()
        .map(|(name, urls)| {
            format!(
                "          - modules: all\n            name: {}\n            urls:\n{}",
                yaml_string(name),
                yaml_list(urls, 14)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_every_placeholder() {
        let out = render("a {{X}} b {{Y}}", &[("X", "1".into()), ("Y", "2".into())]).unwrap();
        assert_eq!(out, "a 1 b 2");
    }

    #[test]
    fn render_refuses_unknown_and_unclosed_placeholders() {
        assert!(render("{{NOPE}}", &[]).unwrap_err().contains("NOPE"));
        assert!(render("{{OPEN", &[]).is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(lua_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(yaml_string("xmpp:x?;node=y"), "\"xmpp:x?;node=y\"");
        assert_eq!(yaml_list(&["a".into()], 2), "  - \"a\"");
        assert_eq!(lua_long_string("<a/>").unwrap(), "[[<a/>]]");
        assert_eq!(lua_long_string("x]]y").unwrap(), "[=[x]]y]=]");
    }

    #[test]
    fn prosody_contact_info_lists_the_fixture() {
        let text = prosody_contact_info();
        assert!(
            text.contains("abuse = { \"mailto:abuse@home.test\" };"),
            "{text}"
        );
        assert!(!text.contains("sales"), "{text}");
    }

    #[test]
    fn both_configurations_render() {
        for server in [Server::Prosody, Server::Ejabberd] {
            let dir = std::env::temp_dir().join(format!(
                "xep-interop-setup-{}-{}",
                server.name(),
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            write(&Options {
                server,
                dir: dir.clone(),
                c2s_port: 15222,
                http_port: 18080,
                dist_port: 15299,
            })
            .unwrap();
            let target = read_target(&dir.join(TARGET_FILE)).unwrap();
            assert_eq!(target.c2s, "127.0.0.1:15222");
            let accounts = std::fs::read_to_string(dir.join(ACCOUNTS_FILE)).unwrap();
            assert_eq!(accounts.lines().count(), Account::ALL.len());
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

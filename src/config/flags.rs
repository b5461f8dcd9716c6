//! Start-up: redis-server style flags (`--port 6380`), one per setting of
//! the table, and an optional config file in redis.conf syntax as the first
//! argument. Flags given on the command line win over the file.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction};

use super::table::{Kind, Values};
use super::{Config, SETTINGS};
use crate::protocol::parse::split_inline;

const CONFIG_FILE: &str = "config_file";

/// The command line: the config file, then a flag per setting.
pub fn command() -> clap::Command {
    let file = Arg::new(CONFIG_FILE)
        .value_name("CONFIG_FILE")
        .help("A config file in redis.conf syntax (`name value` per line).")
        .value_parser(clap::value_parser!(PathBuf));
    let flags = SETTINGS.iter().map(|setting| {
        let mut arg = Arg::new(setting.name)
            .long(setting.name)
            .value_name(setting.name.to_ascii_uppercase().replace('-', "_"))
            .help(setting.help.split('\n').map(str::trim).collect::<Vec<_>>().join(" ").trim().to_string())
            .action(ArgAction::Append)
            .default_value(setting.default)
            .aliases(setting.aliases);
        if setting.values == Values::Many {
            arg = arg.num_args(1..);
        }
        if matches!(setting.kind, Kind::Int { .. } | Kind::Memory { .. } | Kind::Custom(_)) {
            // `-1` reaches the setting's check, which words the problem.
            arg = arg.allow_negative_numbers(true);
        }
        arg
    });
    clap::Command::new("miniredis")
        .version(env!("CARGO_PKG_VERSION"))
        .about("A Redis-compatible in-memory key-value server")
        .arg(file)
        .args(flags)
}

impl Config {
    /// Parses `args` (program name first). A first argument that is not a
    /// flag names a config file whose directives come before the flags.
    pub fn from_args<I, S>(args: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut args: Vec<String> = args.into_iter().map(Into::into).collect();
        let mut config_file = None;
        if args.len() > 1 && !args[1].starts_with('-') {
            let file = PathBuf::from(args.remove(1));
            let text = std::fs::read_to_string(&file).map_err(|e| {
                clap::Error::raw(ErrorKind::Io, format!("cannot read config file {}: {e}\n", file.display()))
            })?;
            let directives = file_directives(&text).map_err(|e| {
                clap::Error::raw(ErrorKind::InvalidValue, format!("{}: {e}\n", file.display()))
            })?;
            args.splice(1..1, directives);
            config_file = Some(file);
        }
        let matches = command().try_get_matches_from(args)?;
        let mut config = Config { config_file, ..Config::default() };
        for setting in SETTINGS {
            if matches.value_source(setting.name) != Some(ValueSource::CommandLine) {
                continue;
            }
            for words in matches.get_occurrences::<String>(setting.name).into_iter().flatten() {
                let text = words.map(String::as_str).collect::<Vec<_>>().join(" ");
                setting.set(&mut config, &text, false).map_err(|e| {
                    clap::Error::raw(ErrorKind::InvalidValue, format!("--{} {text:?}: {e}\n", setting.name))
                })?;
            }
        }
        Ok(config)
    }
}

/// Turns redis.conf lines into `--name value…` flags.
fn file_directives(text: &str) -> Result<Vec<String>, String> {
    let mut flags = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words = split_inline(line.as_bytes()).map_err(|e| format!("line {}: {}", number + 1, e.0))?;
        let mut words = words.into_iter().map(|w| String::from_utf8_lossy(&w).into_owned());
        if let Some(name) = words.next() {
            flags.push(format!("--{}", name.to_ascii_lowercase()));
            flags.extend(words);
        }
    }
    Ok(flags)
}

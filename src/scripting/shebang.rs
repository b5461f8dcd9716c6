//! Script flags: the `#!lua flags=...` first line of an `EVAL` script and
//! the `flags` of `redis.register_function`.

/// Flags a script or function declares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// Declared at all (a shebang, or a function): otherwise the script is
    /// run with Redis's legacy rules.
    pub declared: bool,
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot_keys: bool,
}

impl ScriptFlags {
    /// Sets flag `name`; false when Redis knows no such flag.
    pub fn set(&mut self, name: &[u8]) -> bool {
        match name {
            b"no-writes" => self.no_writes = true,
            b"allow-oom" => self.allow_oom = true,
            b"allow-stale" => self.allow_stale = true,
            b"no-cluster" => self.no_cluster = true,
            b"allow-cross-slot-keys" => self.allow_cross_slot_keys = true,
            _ => return false,
        }
        true
    }

    /// The flag names, as `FUNCTION LIST` shows them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        for (on, name) in [
            (self.no_writes, "no-writes"),
            (self.allow_oom, "allow-oom"),
            (self.allow_stale, "allow-stale"),
            (self.no_cluster, "no-cluster"),
            (self.allow_cross_slot_keys, "allow-cross-slot-keys"),
        ] {
            if on {
                names.push(name);
            }
        }
        names
    }
}

/// The flags of a script body: legacy (undeclared) without a `#!` line.
pub fn parse(body: &[u8]) -> Result<ScriptFlags, String> {
    if !body.starts_with(b"#!") {
        return Ok(ScriptFlags::default());
    }
    let line_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = &body[2..line_end];
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or_default();
    if engine != b"lua" {
        return Err(format!("ERR Unexpected engine in script shebang: #!{}", text(engine)));
    }
    let mut flags = ScriptFlags { declared: true, ..ScriptFlags::default() };
    for part in parts {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!("ERR Unknown lua shebang option: {}", text(part)));
        };
        for name in list.split(|&b| b == b',').filter(|n| !n.is_empty()) {
            if !flags.set(name) {
                return Err(format!("ERR Unexpected flag in script shebang: {}", text(name)));
            }
        }
    }
    Ok(flags)
}

/// The code Lua compiles: a shebang line emptied (its newline kept, so
/// line numbers stay those of the body).
pub fn code(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !body.starts_with(b"#!") {
        return body.into();
    }
    let line_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    body[line_end..].to_vec().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_flags() {
        assert_eq!(parse(b"return 1"), Ok(ScriptFlags::default()));
        let flags = parse(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
        assert!(flags.declared && flags.no_writes && flags.allow_oom && !flags.allow_stale);
        assert_eq!(flags.names(), vec!["no-writes", "allow-oom"]);
        assert!(parse(b"#!lua\nreturn 1").unwrap().declared);
        assert_eq!(parse(b"#!python\n").unwrap_err(), "ERR Unexpected engine in script shebang: #!python");
        assert_eq!(parse(b"#!lua flags=bad\n").unwrap_err(), "ERR Unexpected flag in script shebang: bad");
        assert_eq!(parse(b"#!lua name=x\n").unwrap_err(), "ERR Unknown lua shebang option: name=x");
    }
}

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
/// The shebang line itself is left in the body, as Redis compiles it
/// (Lua skips a first line starting with `#`).
pub fn parse(body: &[u8]) -> Result<ScriptFlags, &'static str> {
    if !body.starts_with(b"#!") {
        return Ok(ScriptFlags::default());
    }
    let line_end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = &body[2..line_end];
    let mut parts = line.split(|&b| b == b' ').filter(|p| !p.is_empty());
    if parts.next() != Some(&b"lua"[..]) {
        return Err("ERR Unexpected engine in script shebang");
    }
    let mut flags = ScriptFlags { declared: true, ..ScriptFlags::default() };
    for part in parts {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err("ERR Unknown lua shebang option");
        };
        for name in list.split(|&b| b == b',').filter(|n| !n.is_empty()) {
            if !flags.set(name) {
                return Err("ERR Unexpected flag in script shebang");
            }
        }
    }
    Ok(flags)
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
        assert_eq!(parse(b"#!python\n"), Err("ERR Unexpected engine in script shebang"));
        assert_eq!(parse(b"#!lua flags=bad\n"), Err("ERR Unexpected flag in script shebang"));
        assert_eq!(parse(b"#!lua name=x\n"), Err("ERR Unknown lua shebang option"));
    }
}

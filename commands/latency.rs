//! LATENCY LATEST | LATENCY HISTORY event | LATENCY RESET [event ...] | LATENCY DOCTOR | LATENCY HELP

use std::fmt::Write;

use crate::prelude::*;

/// `LATENCY`: the latency monitor's events (commands slower than
/// `latency-monitor-threshold` ms).
pub struct Latency;

const HELP: &[&str] = &[
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HELP",
    "    Prints this help.",
];

const DISABLED: &str = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";

const NO_SPIKES: &str = "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";

impl Command for Latency {
    fn meta(&self) -> CommandMeta {
        const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale];
        CommandMeta {
            name: "latency",
            arity: -2,
            group: "server",
            summary: "A container for latency diagnostics commands.",
            since: "2.8.13",
            complexity: "Depends on subcommand.",
            subcommands: &[
                Subcommand {
                    name: "doctor",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Returns a human-readable latency analysis report.",
                    ..Subcommand::DEFAULT
                },
                Subcommand::HELP,
                Subcommand {
                    name: "history",
                    arity: 3,
                    flags: ADMIN,
                    summary: "Returns timestamp-latency samples for an event.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "latest",
                    arity: 2,
                    flags: ADMIN,
                    summary: "Returns the latest latency samples for all events.",
                    ..Subcommand::DEFAULT
                },
                Subcommand {
                    name: "reset",
                    arity: -2,
                    flags: ADMIN,
                    summary: "Resets the latency data for one or more events.",
                    ..Subcommand::DEFAULT
                },
            ],
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, ctx: &mut Context<'_>, args: &mut Args<'_>) -> CommandResult {
        let metrics = &ctx.server.metrics;
        match args.next()?.to_ascii_lowercase().as_slice() {
            b"latest" => Ok(Reply::Array(
                metrics
                    .latency_events()
                    .iter()
                    .filter_map(|(name, series)| {
                        let &(time, latest) = series.samples.back()?;
                        Some(Reply::Array(vec![
                            Reply::bulk(name),
                            Reply::Integer(time as i64),
                            Reply::Integer(latest as i64),
                            Reply::Integer(series.max as i64),
                        ]))
                    })
                    .collect(),
            )),
            b"history" => {
                let event = args.next()?;
                let events = metrics.latency_events();
                let series = events.iter().find(|(name, _)| name.as_bytes() == event).map(|(_, s)| s);
                Ok(Reply::Array(series.map_or_else(Vec::new, |s| {
                    s.samples
                        .iter()
                        .map(|&(t, ms)| {
                            Reply::Array(vec![Reply::Integer(t as i64), Reply::Integer(ms as i64)])
                        })
                        .collect()
                })))
            }
            b"reset" => {
                let names = (!args.is_empty()).then(|| args.rest());
                Ok(Reply::Integer(metrics.reset_latency(names) as i64))
            }
            b"doctor" => Ok(Reply::Verbatim(doctor(ctx).into_bytes())),
            _ => Ok(crate::command_logic::admin::help_reply(HELP)),
        }
    }
}

/// A report in the spirit of Redis's: each event's spikes, average, mean
/// deviation, period and worst, then advice.
fn doctor(ctx: &mut Context<'_>) -> String {
    let metrics = &ctx.server.metrics;
    let events = metrics.latency_events();
    if events.is_empty() {
        return if metrics.latency_monitor_on() { NO_SPIKES } else { DISABLED }.into();
    }
    let mut report = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n",
    );
    for (i, (name, series)) in events.iter().enumerate() {
        let n = series.samples.len().max(1) as f64;
        let avg = series.samples.iter().map(|&(_, ms)| ms as f64).sum::<f64>() / n;
        let mad = series.samples.iter().map(|&(_, ms)| (ms as f64 - avg).abs()).sum::<f64>() / n;
        let (first, last) =
            (series.samples.front().map_or(0, |s| s.0), series.samples.back().map_or(0, |s| s.0));
        let period = if series.samples.len() > 1 { (last - first) as f64 / (n - 1.0) } else { 0.0 };
        let _ = writeln!(
            report,
            "{}. {name}: {} latency spikes (average {:.0}ms, mean deviation {:.0}ms, period {period:.2} sec). Worst all time event {}ms.",
            i + 1,
            series.samples.len(),
            avg,
            mad,
            series.max
        );
    }
    report.push_str(
        "\nI have a few advices for you:\n\n- Check your Slow Log to understand what are the commands you are running \
         which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n",
    );
    report
}

inventory::submit! { Registration::new(&Latency, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    fn text(reply: Reply) -> String {
        match reply {
            Reply::Verbatim(bytes) => String::from_utf8(bytes).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_events_at_first() {
        let mut h = Harness::new();
        assert_eq!(h.run("LATENCY LATEST"), Reply::Array(vec![]));
        assert_eq!(h.run("LATENCY HISTORY command"), Reply::Array(vec![]));
        assert_eq!(h.run("LATENCY RESET"), int(0));
        assert!(text(h.run("LATENCY DOCTOR"))
            .starts_with("I'm sorry, Dave, I can't do that. Latency monitoring is disabled"));
        h.run("CONFIG SET latency-monitor-threshold 100");
        assert!(text(h.run("LATENCY DOCTOR")).starts_with("Dave, no latency spike was observed"));
    }

    #[test]
    fn samples_latest_history_reset() {
        let mut h = Harness::new();
        let metrics = &h.shared.metrics;
        metrics.latency_sample("command", 100, 5);
        metrics.latency_sample("command", 100, 7);
        metrics.latency_sample("command", 101, 3);
        metrics.latency_sample("fast-command", 101, 2);
        assert_eq!(
            h.run("LATENCY LATEST"),
            Reply::Array(vec![
                Reply::Array(vec![bulk("command"), int(101), int(3), int(7)]),
                Reply::Array(vec![bulk("fast-command"), int(101), int(2), int(2)]),
            ])
        );
        assert_eq!(
            h.run("LATENCY HISTORY command"),
            Reply::Array(vec![Reply::Array(vec![int(100), int(7)]), Reply::Array(vec![int(101), int(3)])]),
            "one sample per second, the worst"
        );
        let report = text(h.run("LATENCY DOCTOR"));
        assert!(report.contains("1. command: 2 latency spikes (average 5ms"), "{report}");
        assert_eq!(h.run("LATENCY RESET command nosuch"), int(1));
        assert_eq!(h.run("LATENCY RESET"), int(1));
        assert_eq!(h.run("LATENCY LATEST"), Reply::Array(vec![]));
    }

    #[test]
    fn threshold_off_records_nothing() {
        let mut h = Harness::new();
        h.run("PING");
        assert_eq!(h.run("LATENCY LATEST"), Reply::Array(vec![]));
        assert_eq!(
            h.run("CONFIG GET latency-monitor-threshold"),
            Reply::Map(vec![(bulk("latency-monitor-threshold"), bulk("0"))])
        );
        assert_eq!(
            h.run("LATENCY HISTORY"),
            err("ERR wrong number of arguments for 'latency|history' command")
        );
        let Reply::Array(help) = h.run("LATENCY HELP") else { panic!() };
        assert_eq!(help.len(), 12);
    }
}

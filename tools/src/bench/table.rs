//! Benchmark results as a table: one row per workload and metric, one column
//! per system measured (Sole, then the Linux guest) with the median and the
//! range of the runs, and the ratio of the second system's median to the
//! first's. Printed for people and serialized as JSON for tools.
//!
//! Most metrics are "less is better" (a time, a size), and for those
//! the ratio is `Linux / Sole`: how many times faster or smaller Sole is. A
//! metric where more is better (a speedup, MiB/s, IOPS) takes the ratio the other way
//! round, `Sole / Linux`, so that above 1 still means Sole is ahead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

/// The unit a metric is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// Nanoseconds.
    #[serde(rename = "ns")]
    Nanos,
    /// Microseconds.
    #[serde(rename = "us")]
    Micros,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Millis,
    /// Bytes.
    #[serde(rename = "bytes")]
    Bytes,
    /// Mebibytes.
    #[serde(rename = "MiB")]
    Mib,
    /// A ratio of two times (a speedup): how many times as fast.
    #[serde(rename = "x")]
    Times,
    /// Mebibytes per second: a throughput.
    #[serde(rename = "MiB/s")]
    MibPerSec,
    /// Operations per second (IOPS, files per second).
    #[serde(rename = "/s")]
    PerSec,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Less is better: a time, a size.
    #[default]
    Lower,
    /// More is better: a speedup, a throughput, operations per second.
    Higher,
}

impl Unit {
    /// The unit a workload prints (`ns`, `us`, `ms`, `bytes`, `MiB`, `x`,
    /// `MiB/s`, `/s`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "ns" => Unit::Nanos,
            "us" => Unit::Micros,
            "ms" => Unit::Millis,
            "bytes" => Unit::Bytes,
            "MiB" => Unit::Mib,
            "x" => Unit::Times,
            "MiB/s" => Unit::MibPerSec,
            "/s" => Unit::PerSec,
            _ => return None,
        })
    }

    /// How the unit is written in the table.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Nanos => "ns",
            Unit::Micros => "µs",
            Unit::Millis => "ms",
            Unit::Bytes => "bytes",
            Unit::Mib => "MiB",
            Unit::Times => "x",
            Unit::MibPerSec => "MiB/s",
            Unit::PerSec => "/s",
        }
    }

    /// `value` in this unit as the table shows it: counts and operations
    /// per second are whole; times and throughputs keep three significant
    /// digits without turning 1234 into 1230.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Bytes | Unit::Mib | Unit::PerSec => format!("{value:.0}"),
            _ => significant(value),
        }
    }
}

/// At least three significant digits, and no decimals from 100 up.
fn significant(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = if magnitude >= 100.0 || magnitude == 0.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        3
    };
    format!("{value:.decimals$}")
}

/// The median, minimum and maximum of a set of samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The middle sample (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// Every sample, in the order taken.
    pub samples: Vec<f64>,
}

impl Summary {
    /// Summarizes `samples`; `None` if there are none or one is NaN.
    pub fn of(samples: Vec<f64>) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
            return None;
        }
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            samples,
        })
    }
}

/// What one system gave for one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The figures of every run.
    Measured(Summary),
    /// No figure, and why (the workload failed, the guest could not boot).
    Unavailable {
        /// Why there is no figure.
        unavailable: String,
    },
}

impl Outcome {
    /// The summary of `samples`, or unavailable if there are none.
    pub fn of(samples: Vec<f64>) -> Self {
        Summary::of(samples).map_or_else(|| Outcome::unavailable("no samples"), Outcome::Measured)
    }

    /// No figure, because of `why`.
    pub fn unavailable(why: impl Into<String>) -> Self {
        Outcome::Unavailable {
            unavailable: why.into(),
        }
    }

    /// The summary, if there is one.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            Outcome::Measured(s) => Some(s),
            Outcome::Unavailable { .. } => None,
        }
    }
}

/// One workload's figure for one metric, per system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The workload (`syscall`).
    pub workload: String,
    /// A stable name for the metric (`getppid`).
    pub metric: String,
    /// The metric for people (`getppid()`).
    pub label: String,
    /// The unit of every figure in the row.
    pub unit: Unit,
    /// Which way the metric improves.
    pub better: Better,
    /// Figures by system name; a system not measured is missing.
    pub results: BTreeMap<String, Outcome>,
}

/// Rows of figures for a list of systems.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The systems measured, in column order; the ratio is the second's
    /// median over the first's.
    pub systems: Vec<String>,
    /// The rows, in print order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The name of the ratio column (`Linux/Sole`), if there are two
    /// systems to compare.
    pub fn ratio_name(&self) -> Option<String> {
        match self.systems.as_slice() {
            [base, other, ..] => Some(format!("{other}/{base}")),
            _ => None,
        }
    }

    /// The second system's median over the first's, for `row`, when both
    /// were measured and the divisor is not zero; for a metric where more
    /// is better, the first's over the second's. Either way, above 1 means
    /// the first system is ahead.
    pub fn ratio(&self, row: &Row) -> Option<f64> {
        let [base, other, ..] = self.systems.as_slice() else {
            return None;
        };
        let base = row.results.get(base)?.summary()?.median;
        let other = row.results.get(other)?.summary()?.median;
        let (numerator, divisor) = match row.better {
            Better::Lower => (other, base),
            Better::Higher => (base, other),
        };
        (divisor > 0.0).then(|| numerator / divisor)
    }

    /// Whether any row is a metric where more is better (its ratio is the
    /// other way round).
    pub fn has_higher_is_better(&self) -> bool {
        self.rows.iter().any(|r| r.better == Better::Higher)
    }

    /// The table as aligned text: a header, one line per row, then the
    /// reasons for each `n/a`, numbered.
    pub fn render(&self) -> String {
        let ratio_name = self.ratio_name();
        let mut lines: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["workload".to_owned(), "metric".to_owned()];
        for system in &self.systems {
            header.extend([system.clone(), "min-max".to_owned()]);
        }
        header.extend(ratio_name.clone());
        lines.push(header);
        let mut notes: Vec<String> = Vec::new();
        for row in &self.rows {
            let mut cells = vec![
                row.workload.clone(),
                format!("{} ({})", row.label, row.unit.symbol()),
            ];
            for system in &self.systems {
                match row.results.get(system) {
                    Some(Outcome::Measured(s)) => {
                        // A range only where the runs differ: under
                        // --icount most guest times repeat exactly.
                        let range = if s.min != s.max {
                            format!("{}-{}", row.unit.format(s.min), row.unit.format(s.max))
                        } else {
                            String::new()
                        };
                        cells.extend([row.unit.format(s.median), range]);
                    }
                    Some(Outcome::Unavailable { unavailable }) => {
                        // One line per note, however many the reason had.
                        let why = unavailable.split_whitespace().collect::<Vec<_>>().join(" ");
                        let note = format!("{system}, {} {}: {why}", row.workload, row.label);
                        let n = match notes.iter().position(|n| *n == note) {
                            Some(i) => i + 1,
                            None => {
                                notes.push(note);
                                notes.len()
                            }
                        };
                        cells.extend([format!("n/a [{n}]"), String::new()]);
                    }
                    None => cells.extend(["-".to_owned(), String::new()]),
                }
            }
            if ratio_name.is_some() {
                cells.push(self.ratio(row).map_or_else(|| "-".to_owned(), format_ratio));
            }
            lines.push(cells);
        }
        let mut out = align(&lines);
        for (i, note) in notes.iter().enumerate() {
            let _ = writeln!(out, "[{}] {note}", i + 1);
        }
        out
    }
}

/// A ratio with three significant digits and an `x`.
fn format_ratio(ratio: f64) -> String {
    format!("{}x", significant(ratio))
}

impl Serialize for Table {
    /// `{"systems": [...], "ratio": "Linux/Sole", "rows": [{..., "ratio": r}]}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct RowWithRatio<'a> {
            #[serde(flatten)]
            row: &'a Row,
            ratio: Option<f64>,
        }
        #[derive(Serialize)]
        struct TableJson<'a> {
            systems: &'a [String],
            ratio: Option<String>,
            rows: Vec<RowWithRatio<'a>>,
        }
        TableJson {
            systems: &self.systems,
            ratio: self.ratio_name(),
            rows: self
                .rows
                .iter()
                .map(|row| RowWithRatio {
                    row,
                    ratio: self.ratio(row),
                })
                .collect(),
        }
        .serialize(serializer)
    }
}

/// Lines of cells with columns padded to a common width: text columns (the
/// first two) to the left, figures to the right, two spaces apart.
fn align(lines: &[Vec<String>]) -> String {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines
                .iter()
                .filter_map(|l| l.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c > 0 {
                text.push_str("  ");
            }
            if c < 2 {
                let _ = write!(text, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(text, "{}{cell}", " ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let s = Summary::of(vec![5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
        assert_eq!(s.samples, [5.0, 1.0, 3.0], "samples keep their order");
        let s = Summary::of(vec![4.0, 1.0, 10.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
        assert_eq!(Summary::of(vec![7.0]).unwrap().median, 7.0);
    }

    #[test]
    fn no_summary_without_samples_or_with_nan() {
        assert_eq!(Summary::of(Vec::new()), None);
        assert_eq!(Summary::of(vec![1.0, f64::NAN]), None);
        assert_eq!(Outcome::of(Vec::new()), Outcome::unavailable("no samples"));
    }

    #[test]
    fn units_parse_and_format() {
        for (text, unit) in [
            ("ns", Unit::Nanos),
            ("us", Unit::Micros),
            ("ms", Unit::Millis),
            ("bytes", Unit::Bytes),
            ("MiB", Unit::Mib),
            ("x", Unit::Times),
            ("MiB/s", Unit::MibPerSec),
            ("/s", Unit::PerSec),
        ] {
            assert_eq!(Unit::parse(text), Some(unit));
        }
        assert_eq!(Unit::parse("s"), None);
        assert_eq!(Unit::Nanos.format(253.012), "253");
        assert_eq!(Unit::Nanos.format(1913.4), "1913");
        assert_eq!(Unit::Micros.format(42.25), "42.2");
        assert_eq!(Unit::Millis.format(4.256), "4.26");
        assert_eq!(Unit::Nanos.format(0.5), "0.500");
        assert_eq!(Unit::Nanos.format(0.0), "0");
        assert_eq!(Unit::Bytes.format(3183680.0), "3183680");
        assert_eq!(Unit::Mib.format(7.0), "7");
        assert_eq!(Unit::Times.format(1.874), "1.87");
        assert_eq!(Unit::Times.symbol(), "x");
        assert_eq!(Unit::MibPerSec.format(38.46), "38.5");
        assert_eq!(Unit::MibPerSec.symbol(), "MiB/s");
        assert_eq!(Unit::PerSec.format(1234.6), "1235");
        assert_eq!(Unit::PerSec.symbol(), "/s");
    }

    fn row(workload: &str, metric: &str, unit: Unit, results: &[(&str, Outcome)]) -> Row {
        Row {
            workload: workload.into(),
            metric: metric.into(),
            label: metric.replace('_', " "),
            unit,
            better: Better::Lower,
            results: results
                .iter()
                .map(|(system, outcome)| ((*system).to_owned(), outcome.clone()))
                .collect(),
        }
    }

    fn measured(samples: &[f64]) -> Outcome {
        Outcome::of(samples.to_vec())
    }

    fn table() -> Table {
        Table {
            systems: vec!["Sole".into(), "Linux".into()],
            rows: vec![
                row(
                    "boot",
                    "entry_to_main",
                    Unit::Micros,
                    &[
                        ("Sole", measured(&[470.0, 468.0, 481.0])),
                        ("Linux", measured(&[1589930.0, 1589000.0, 1600000.0])),
                    ],
                ),
                row(
                    "syscall",
                    "getppid",
                    Unit::Nanos,
                    &[
                        ("Sole", measured(&[50.0, 50.0])),
                        ("Linux", measured(&[1913.0])),
                    ],
                ),
                row(
                    "minmem",
                    "smallest_mem",
                    Unit::Mib,
                    &[
                        (
                            "Sole",
                            Outcome::unavailable("hello does not run at 512 MiB"),
                        ),
                        ("Linux", measured(&[80.0])),
                    ],
                ),
                row("size", "kernel", Unit::Bytes, &[("Sole", measured(&[0.0]))]),
            ],
        }
    }

    #[test]
    fn ratio_is_the_second_system_over_the_first() {
        let t = table();
        assert_eq!(t.ratio_name().as_deref(), Some("Linux/Sole"));
        assert_eq!(t.ratio(&t.rows[1]), Some(1913.0 / 50.0));
        assert_eq!(t.ratio(&t.rows[2]), None, "Sole unavailable");
        assert_eq!(t.ratio(&t.rows[3]), None, "Linux missing, Sole zero");
        let one = Table {
            systems: vec!["Sole".into()],
            rows: t.rows.clone(),
        };
        assert_eq!(one.ratio_name(), None);
        assert_eq!(one.ratio(&one.rows[1]), None);
    }

    #[test]
    fn where_more_is_better_the_ratio_is_the_first_over_the_second() {
        let mut speedup = row(
            "parallel",
            "speedup",
            Unit::Times,
            &[
                ("Sole", measured(&[1.8, 1.9, 1.7])),
                ("Linux", measured(&[1.5])),
            ],
        );
        speedup.better = Better::Higher;
        let mut t = table();
        assert!(!t.has_higher_is_better());
        t.rows.push(speedup);
        assert!(t.has_higher_is_better());
        let ratio = t.ratio(&t.rows[4]).unwrap();
        assert!((ratio - 1.8 / 1.5).abs() < 1e-12, "{ratio}");
        assert!(
            t.render().contains("\nparallel  speedup (x)"),
            "{}",
            t.render()
        );
        assert!(t.render().contains(" 1.80  1.70-1.90 "), "{}", t.render());
        assert!(t.render().contains(" 1.20x\n"), "{}", t.render());
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["rows"][4]["better"], "higher");
        assert_eq!(json["rows"][4]["unit"], "x");
        assert_eq!(json["rows"][0]["better"], "lower");
        // A zero divisor gives no ratio, whichever way it goes.
        t.rows[4].results.insert("Linux".into(), measured(&[0.0]));
        assert_eq!(t.ratio(&t.rows[4]), None);
    }

    #[test]
    fn renders_aligned_columns_ratios_and_numbered_reasons() {
        let expected = "\
workload  metric                 Sole  min-max    Linux          min-max  Linux/Sole
boot      entry to main (µs)      470  468-481  1589930  1589000-1600000       3383x
syscall   getppid (ns)           50.0              1913                        38.3x
minmem    smallest mem (MiB)  n/a [1]                80                            -
size      kernel (bytes)            0                 -                            -
[1] Sole, minmem smallest mem: hello does not run at 512 MiB
";
        assert_eq!(table().render(), expected);
    }

    #[test]
    fn the_same_reason_gets_one_note_on_one_line() {
        let why = Outcome::unavailable("no kernel; QEMU said:\n  killed");
        let t = Table {
            systems: vec!["Sole".into(), "Linux".into()],
            rows: vec![
                row("a", "x", Unit::Nanos, &[("Linux", why.clone())]),
                row("a", "x", Unit::Nanos, &[("Linux", why)]),
            ],
        };
        let text = t.render();
        assert_eq!(text.matches("n/a [1]").count(), 2, "{text}");
        assert!(!text.contains("[2]"), "{text}");
        assert!(
            text.ends_with("\n[1] Linux, a x: no kernel; QEMU said: killed\n"),
            "{text}"
        );
    }

    #[test]
    fn json_names_units_systems_ratios_and_reasons() {
        let json = serde_json::to_value(table()).unwrap();
        assert_eq!(json["systems"], serde_json::json!(["Sole", "Linux"]));
        assert_eq!(json["ratio"], "Linux/Sole");
        let row = &json["rows"][0];
        assert_eq!(row["workload"], "boot");
        assert_eq!(row["metric"], "entry_to_main");
        assert_eq!(row["unit"], "us");
        assert_eq!(row["results"]["Sole"]["median"], 470.0);
        assert_eq!(row["results"]["Linux"]["max"], 1600000.0);
        assert_eq!(
            row["results"]["Sole"]["samples"].as_array().unwrap().len(),
            3
        );
        assert_eq!(json["rows"][1]["ratio"], 1913.0 / 50.0);
        assert_eq!(json["rows"][1]["unit"], "ns");
        let minmem = &json["rows"][2];
        assert_eq!(
            minmem["results"]["Sole"]["unavailable"],
            "hello does not run at 512 MiB"
        );
        assert_eq!(minmem["ratio"], serde_json::Value::Null);
        assert_eq!(json["rows"][3]["results"].get("Linux"), None);
    }
}

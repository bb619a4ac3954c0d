//! Benchmark results as a table: one row per workload and metric, one group
//! of columns (median, min, max) per system measured (Sole now; a Linux
//! guest later), printed for people and serialized as JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// The unit a metric is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// Microseconds.
    #[serde(rename = "us")]
    Micros,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Millis,
}

impl Unit {
    /// How the unit is written in the table.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Micros => "µs",
            Unit::Millis => "ms",
        }
    }

    /// Decimal places worth showing: microsecond counts are whole; wall
    /// times in milliseconds get one decimal.
    fn decimals(self) -> usize {
        match self {
            Unit::Micros => 0,
            Unit::Millis => 1,
        }
    }
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

/// One workload's figure for one metric, per system.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The workload (`boot`).
    pub workload: String,
    /// A stable name for the metric (`entry_to_ready`).
    pub metric: String,
    /// The metric for people (`kernel entry to ready`).
    pub label: String,
    /// The unit of every figure in the row.
    pub unit: Unit,
    /// Figures by system name; a system may be missing.
    pub results: BTreeMap<String, Summary>,
}

/// Rows of figures for a list of systems.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// The systems measured, in column order.
    pub systems: Vec<String>,
    /// The rows, in print order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The table as aligned text, one line per row after a header.
    pub fn render(&self) -> String {
        let mut lines: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["workload".to_owned(), "metric".to_owned()];
        for system in &self.systems {
            header.extend([format!("{system} median"), "min".into(), "max".into()]);
        }
        lines.push(header);
        for row in &self.rows {
            let mut cells = vec![
                row.workload.clone(),
                format!("{} ({})", row.label, row.unit.symbol()),
            ];
            for system in &self.systems {
                let decimals = row.unit.decimals();
                match row.results.get(system) {
                    Some(s) => {
                        cells.extend([s.median, s.min, s.max].map(|v| format!("{v:.decimals$}")))
                    }
                    None => cells.extend(["-", "-", "-"].map(String::from)),
                }
            }
            lines.push(cells);
        }
        align(&lines)
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
    }

    fn table() -> Table {
        let row = |metric: &str, label: &str, unit, samples: Vec<f64>| Row {
            workload: "boot".into(),
            metric: metric.into(),
            label: label.into(),
            unit,
            results: BTreeMap::from([("Sole".to_owned(), Summary::of(samples).unwrap())]),
        };
        Table {
            systems: vec!["Sole".into(), "Linux".into()],
            rows: vec![
                row(
                    "entry_to_ready",
                    "kernel entry to ready",
                    Unit::Micros,
                    vec![734.0, 720.0, 801.0],
                ),
                row(
                    "wall_time",
                    "sole run wall time",
                    Unit::Millis,
                    vec![152.26, 140.0, 1170.5],
                ),
            ],
        }
    }

    #[test]
    fn renders_aligned_columns_with_a_dash_for_missing_systems() {
        let expected = "\
workload  metric                      Sole median    min     max  Linux median  min  max
boot      kernel entry to ready (µs)          734    720     801             -    -    -
boot      sole run wall time (ms)           152.3  140.0  1170.5             -    -    -
";
        assert_eq!(table().render(), expected);
    }

    #[test]
    fn json_names_units_and_systems() {
        let json = serde_json::to_value(table()).unwrap();
        assert_eq!(json["systems"], serde_json::json!(["Sole", "Linux"]));
        let row = &json["rows"][0];
        assert_eq!(row["workload"], "boot");
        assert_eq!(row["metric"], "entry_to_ready");
        assert_eq!(row["unit"], "us");
        assert_eq!(row["results"]["Sole"]["median"], 734.0);
        assert_eq!(
            row["results"]["Sole"]["samples"].as_array().unwrap().len(),
            3
        );
        assert_eq!(json["rows"][1]["unit"], "ms");
    }
}

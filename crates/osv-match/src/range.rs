//! One `ECOSYSTEM` range of an `affected` entry, evaluated as the OSV
//! schema's `IncludedInRanges` says: events in version order, whatever
//! order the record lists them in.

use std::cmp::Ordering;

use pep440_rs::Version;

/// One event of a range's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The first affected version; `None` is OSV's `"0"`, before every version.
    Introduced(Option<Version>),
    /// The first version with the fix.
    Fixed(Version),
    /// The last known affected version (later ones count as not affected).
    LastAffected(Version),
    /// An upper limit on the range; `None` is OSV's `"*"`, no limit.
    Limit(Option<Version>),
}

impl Event {
    /// Where the event sorts: `introduced "0"` first, `limit "*"` last.
    fn position(&self) -> Position<'_> {
        match self {
            Event::Introduced(None) => Position::Bottom,
            Event::Limit(None) => Position::Top,
            Event::Introduced(Some(v))
            | Event::Fixed(v)
            | Event::LastAffected(v)
            | Event::Limit(Some(v)) => Position::At(v),
        }
    }
}

/// An event's place in version order (derived `Ord`: variants in this order).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Position<'a> {
    Bottom,
    At(&'a Version),
    Top,
}

/// A range of type `ECOSYSTEM` (PEP 440 versions), its events sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    events: Vec<Event>,
}

impl Range {
    /// A range of these events, in any order: they are sorted here (a
    /// stable sort, so that events at one version keep the record's order).
    pub fn new(mut events: Vec<Event>) -> Range {
        events.sort_by(|a, b| a.position().cmp(&b.position()));
        Range { events }
    }

    /// The events in version order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Whether `v` is in the range: below a limit (if any), and after the
    /// last `introduced` at or below it with no `fixed` at or below it, or
    /// `last_affected` below it, since.
    pub fn contains(&self, v: &Version) -> bool {
        if !self.before_limits(v) {
            return false;
        }
        let mut affected = false;
        for event in &self.events {
            match event {
                Event::Introduced(None) => affected = true,
                Event::Introduced(Some(at)) if v >= at => affected = true,
                Event::Fixed(at) if v >= at => affected = false,
                Event::LastAffected(at) if v > at => affected = false,
                _ => {}
            }
        }
        affected
    }

    /// OSV's `BeforeLimits`: true without limits (an implicit `"*"`), else
    /// when `v` is below any of them.
    fn before_limits(&self, v: &Version) -> bool {
        let mut limits = self.events.iter().filter_map(|e| match e {
            Event::Limit(l) => Some(l),
            _ => None,
        });
        let mut any = false;
        let below = limits.any(|l| {
            any = true;
            l.as_ref().is_none_or(|l| v.cmp(l) == Ordering::Less)
        });
        below || !any
    }

    /// The `fixed` versions, in order.
    pub fn fixed(&self) -> impl Iterator<Item = &Version> {
        self.events.iter().filter_map(|e| match e {
            Event::Fixed(v) => Some(v),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    fn intro(s: &str) -> Event {
        Event::Introduced((s != "0").then(|| v(s)))
    }

    fn affected(range: &Range, versions: &[&str]) -> Vec<String> {
        versions
            .iter()
            .filter(|s| range.contains(&v(s)))
            .map(|s| s.to_string())
            .collect()
    }

    const PROBES: &[&str] = &[
        "0.1", "1.0", "1.26.17", "1.26.18", "1.26.19", "2.0.0a1", "2.0.0", "2.0.6", "2.0.7", "2.1",
        "3.0",
    ];

    /// PYSEC-2023-212 (urllib3) lists `introduced 2.0.0, fixed 2.0.7,
    /// introduced 0, fixed 1.26.18`: read in the record's order, `introduced
    /// 0` after `fixed 2.0.7` would mark everything from 2.0.7 on affected.
    #[test]
    fn unsorted_events_are_evaluated_in_version_order() {
        let range = Range::new(vec![
            intro("2.0.0"),
            Event::Fixed(v("2.0.7")),
            intro("0"),
            Event::Fixed(v("1.26.18")),
        ]);
        assert_eq!(
            affected(&range, PROBES),
            ["0.1", "1.0", "1.26.17", "2.0.0", "2.0.6"]
        );
        // 2.0.0a1 sorts below 2.0.0 (PEP 440) and above 1.26.18: not affected.
        assert!(!range.contains(&v("2.0.0a1")));
    }

    #[test]
    fn introduced_zero_is_below_every_version() {
        let range = Range::new(vec![intro("0")]);
        assert_eq!(affected(&range, PROBES), PROBES);
        assert!(range.contains(&v("0")));
        assert!(range.contains(&v("0.0.dev0")));
    }

    #[test]
    fn last_affected_includes_its_version_and_nothing_after() {
        let range = Range::new(vec![Event::LastAffected(v("2.0.6")), intro("1.26.18")]);
        assert_eq!(
            affected(&range, PROBES),
            ["1.26.18", "1.26.19", "2.0.0a1", "2.0.0", "2.0.6"]
        );
    }

    #[test]
    fn fixed_excludes_its_version() {
        let range = Range::new(vec![intro("1.0"), Event::Fixed(v("2.0.0"))]);
        assert!(range.contains(&v("1.0")));
        assert!(range.contains(&v("1.0.0")), "1.0 and 1.0.0 are one version");
        assert!(!range.contains(&v("2.0")));
        assert!(!range.contains(&v("0.9")));
    }

    #[test]
    fn limit_bounds_the_whole_range_and_star_is_no_bound() {
        let range = Range::new(vec![intro("1.0"), Event::Limit(Some(v("2.0.6")))]);
        assert_eq!(
            affected(&range, PROBES),
            ["1.0", "1.26.17", "1.26.18", "1.26.19", "2.0.0a1", "2.0.0"]
        );
        let star = Range::new(vec![intro("1.0"), Event::Limit(None)]);
        assert!(star.contains(&v("99")));
        // Several limits: below any one of them is enough (OSV's BeforeLimits).
        let two = Range::new(vec![
            intro("0"),
            Event::Limit(Some(v("1.0"))),
            Event::Limit(Some(v("3.0"))),
        ]);
        assert!(two.contains(&v("2.1")));
        assert!(!two.contains(&v("3.0")));
    }

    #[test]
    fn several_introduced_fixed_pairs_make_several_intervals() {
        let range = Range::new(vec![
            Event::Fixed(v("2.0.7")),
            intro("1.0"),
            Event::Fixed(v("1.26.18")),
            intro("2.0.0"),
        ]);
        assert_eq!(
            affected(&range, PROBES),
            ["1.0", "1.26.17", "2.0.0", "2.0.6"]
        );
        assert_eq!(
            range.fixed().map(|v| v.to_string()).collect::<Vec<_>>(),
            ["1.26.18", "2.0.7"]
        );
    }

    #[test]
    fn no_introduced_event_affects_nothing() {
        let range = Range::new(vec![Event::Fixed(v("2.0"))]);
        assert_eq!(affected(&range, PROBES), Vec::<String>::new());
    }
}

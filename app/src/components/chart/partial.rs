//! The current bucket (the minute, or whatever step a chart's points have)
//! is still filling: drawn like the others it looks like a sudden drop at the
//! right edge. Charts draw it as partial (a dashed end), never as a fact.

/// How many of `points` (oldest first, each the bucket starting at its time
/// and lasting `step_ms`) are complete at `now_ms`; the rest are partial.
pub fn complete_count(points: &[(i64, f64)], step_ms: i64, now_ms: i64) -> usize {
    if step_ms <= 0 {
        return points.len();
    }
    points
        .iter()
        .take_while(|(t, _)| t.saturating_add(step_ms) <= now_ms)
        .count()
}

/// A line's step when its caller did not say: the smallest gap between its
/// points. Lines of fewer than three points (a threshold drawn across the
/// chart from edge to edge) are not buckets and have none.
pub fn inferred_step(points: &[(i64, f64)]) -> Option<i64> {
    if points.len() < 3 {
        return None;
    }
    points
        .windows(2)
        .map(|pair| pair[1].0 - pair[0].0)
        .filter(|gap| *gap > 0)
        .min()
}

/// The complete points of each line (`step_ms` when the caller knows it).
pub fn complete_counts(lines: &[super::ChartLine], step_ms: Option<i64>, now_ms: i64) -> Vec<usize> {
    lines
        .iter()
        .map(|line| match step_ms.or_else(|| inferred_step(&line.points)) {
            Some(step) => complete_count(&line.points, step, now_ms),
            None => line.points.len(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn the_minute_still_running_is_partial() {
        let points = [(0, 10.0), (MINUTE, 10.0), (2 * MINUTE, 1.0)];
        // 2 min 30 s: the third minute has half its requests.
        assert_eq!(complete_count(&points, MINUTE, 2 * MINUTE + 30_000), 2);
        // At 3 min exactly it is over.
        assert_eq!(complete_count(&points, MINUTE, 3 * MINUTE), 3);
        assert_eq!(complete_count(&points, 0, 0), 3, "no step, nothing is partial");
    }

    #[test]
    fn a_step_is_inferred_from_three_points_or_more() {
        assert_eq!(
            inferred_step(&[(0, 1.0), (MINUTE, 1.0), (3 * MINUTE, 1.0)]),
            Some(MINUTE)
        );
        assert_eq!(
            inferred_step(&[(0, 1.0), (10 * MINUTE, 1.0)]),
            None,
            "an edge-to-edge threshold"
        );
    }

    #[test]
    fn counts_per_line_use_the_given_step_first() {
        let line = |points: Vec<(i64, f64)>| super::super::ChartLine { name: "x", points };
        let lines = [
            line(vec![(0, 1.0), (MINUTE, 1.0), (2 * MINUTE, 1.0)]),
            line(vec![(0, 5.0), (2 * MINUTE, 5.0)]),
        ];
        assert_eq!(complete_counts(&lines, None, 2 * MINUTE + 1), vec![2, 2]);
        assert_eq!(complete_counts(&lines, Some(MINUTE), 2 * MINUTE + 1), vec![2, 1]);
    }
}

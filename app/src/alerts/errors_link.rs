//! Where an error rule's alert leads: the issue it watches, or the Errors
//! page of its service showing what it counts (new issues first, the
//! regressed ones, or the issues with the most events).

use super::Aggregation;
use crate::errors::issues::IssueFilter;

/// The page about an error rule's alert; `None` for any other rule.
pub fn errors_href(aggregation: Aggregation, service: &str, issue: Option<i64>) -> Option<String> {
    if !aggregation.reads_errors() {
        return None;
    }
    if let Some(id) = issue.filter(|_| aggregation == Aggregation::ErrorEvents) {
        return Some(format!("/errors/issues/{id}"));
    }
    let (state, sort) = match aggregation {
        Aggregation::NewErrorIssues => (None, "first_seen"),
        Aggregation::RegressedErrorIssues => (Some("regressed".to_string()), "last_seen"),
        _ => (None, "events"),
    };
    let filter = IssueFilter {
        service: Some(service.to_string()),
        state,
        ..IssueFilter::default()
    };
    Some(filter.href(Some(sort), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_alert_leads_to_its_issue_or_to_what_it_counts() {
        assert_eq!(
            errors_href(Aggregation::ErrorEvents, "checkout", Some(42)).as_deref(),
            Some("/errors/issues/42")
        );
        assert_eq!(
            errors_href(Aggregation::ErrorEvents, "checkout", None).as_deref(),
            Some("/errors?service=checkout&sort=events")
        );
        assert_eq!(
            errors_href(Aggregation::NewErrorIssues, "checkout", None).as_deref(),
            Some("/errors?service=checkout&sort=first_seen")
        );
        assert_eq!(
            errors_href(Aggregation::RegressedErrorIssues, "checkout", None).as_deref(),
            Some("/errors?service=checkout&state=regressed&sort=last_seen")
        );
        assert_eq!(errors_href(Aggregation::P95, "checkout", None), None);
    }
}

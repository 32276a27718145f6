//! Deployments as chart markers, the same on every chart that shows them.

use super::ChartMarker;
use crate::deployments::DeploymentMarker;
use crate::deployments::draft::DEFAULT_ENVIRONMENT;

/// A deployment's marker: its version, and its environment unless that is production.
pub fn deployment_markers(deployments: &[DeploymentMarker]) -> Vec<ChartMarker> {
    deployments
        .iter()
        .map(|d| ChartMarker {
            t: d.started_at.timestamp_millis(),
            label: if d.environment == DEFAULT_ENVIRONMENT {
                d.version.clone()
            } else {
                format!("{} ({})", d.version, d.environment)
            },
        })
        .collect()
}

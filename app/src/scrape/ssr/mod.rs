//! Scraping on the server: the targets in Postgres (`targets`), reading a
//! target (`fetch`), its exposition into metric points (`exposition`), a
//! node exporter's host percentages (`host`), and one whole scrape
//! (`scrape`).

pub mod exposition;
pub mod fetch;
pub mod host;
pub mod scrape;
pub mod targets;

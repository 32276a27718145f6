//! Server side of alerting: reading what a rule watches and evaluating it
//! (live and as a backtest, with the same code), and silences.

pub mod evaluate;
pub mod manage;
pub mod series;
pub mod silences;
pub mod store;

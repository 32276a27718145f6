//! Server side of alerting: reading what a rule watches and evaluating it
//! (live and as a backtest, with the same code).

pub mod channels;
pub mod deliver;
pub mod evaluate;
pub mod manage;
pub mod outbox;
pub mod series;
pub mod store;

//! Prometheus metrics: GraphQL operations, SQL statements and the database pool.
//!
//! One [`Metrics`] per application instance (tests run several in one process),
//! rendered in the Prometheus text format at `/metrics`.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Latency buckets from 0.5 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// At most this many distinct operation names get their own series; further
/// names are counted as `other`, so clients cannot grow the registry without bound.
const MAX_OPERATION_NAMES: usize = 256;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationName {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookOutcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolState {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    /// `subsidiary_smtp`, `relay_smtp` or `outbox_folder`.
    transport: &'static str,
    /// `sent`, `retried` or `failed`.
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

/// What the outbox looks like now, read from the database for `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct OutboxFigures {
    /// Messages by stored status (`QUEUED`, `SENT` …), of every company.
    pub by_status: Vec<(&'static str, i64)>,
    /// Seconds since the oldest message that is due became due; 0 when none.
    pub oldest_due_seconds: i64,
    /// Instances that beat recently.
    pub instances_alive: i64,
}

/// The application's metric families.
pub struct Metrics {
    registry: Registry,
    operations: Family<OperationLabels, Counter>,
    operation_seconds: Family<OperationName, Histogram>,
    queries: Counter,
    query_errors: Counter,
    query_seconds: Histogram,
    pool: Family<PoolState, Gauge>,
    deliveries: Family<DeliveryLabels, Counter>,
    messages: Family<StatusLabel, Gauge>,
    oldest_due: Gauge,
    instances: Gauge,
    webhook_deliveries: Family<WebhookOutcome, Counter>,
    subscriptions: Gauge,
    subscription_connections: Gauge,
    known_operations: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("recruitmail");
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations handled, by operation name and outcome",
            operations.clone(),
        );
        let operation_seconds =
            Family::<OperationName, Histogram>::new_with_constructor(|| Histogram::new(BUCKETS));
        registry.register(
            "graphql_operation_duration_seconds",
            "Time to execute a GraphQL operation",
            operation_seconds.clone(),
        );
        let queries = Counter::default();
        registry.register("db_queries", "SQL statements executed", queries.clone());
        let query_errors = Counter::default();
        registry.register(
            "db_query_errors",
            "SQL statements that returned an error",
            query_errors.clone(),
        );
        let query_seconds = Histogram::new(BUCKETS);
        registry.register(
            "db_query_duration_seconds",
            "Time to execute one SQL statement",
            query_seconds.clone(),
        );
        let pool = Family::<PoolState, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (idle, in use, maximum)",
            pool.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "outbox_deliveries",
            "Delivery attempts of this instance by transport and outcome (sent, retried, failed)",
            deliveries.clone(),
        );
        let messages = Family::<StatusLabel, Gauge>::default();
        registry.register("messages", "Messages by status", messages.clone());
        let oldest_due = Gauge::default();
        registry.register(
            "outbox_oldest_due_age_seconds",
            "How long the oldest message that is due to be sent has waited",
            oldest_due.clone(),
        );
        let instances = Gauge::default();
        registry.register(
            "instances_alive",
            "serve instances whose heartbeat is recent",
            instances.clone(),
        );
        let webhook_deliveries = Family::<WebhookOutcome, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts by outcome: succeeded, retried (failed, tried again later) or failed (given up)",
            webhook_deliveries.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "subscriptions_open",
            "GraphQL subscriptions running on this instance's WebSocket connections",
            subscriptions.clone(),
        );
        let subscription_connections = Gauge::default();
        registry.register(
            "subscription_connections_open",
            "WebSocket connections (graphql-transport-ws) open on this instance",
            subscription_connections.clone(),
        );
        Self {
            registry,
            webhook_deliveries,
            operations,
            operation_seconds,
            queries,
            query_errors,
            query_seconds,
            pool,
            deliveries,
            messages,
            oldest_due,
            instances,
            subscriptions,
            subscription_connections,
            known_operations: Mutex::new(HashSet::new()),
        }
    }

    /// Records one GraphQL operation.
    pub fn observe_operation(&self, name: Option<&str>, failed: bool, elapsed: Duration) {
        let operation = self.operation_label(name);
        self.operations
            .get_or_create(&OperationLabels {
                operation: operation.clone(),
                outcome: if failed { "error" } else { "ok" },
            })
            .inc();
        self.operation_seconds
            .get_or_create(&OperationName { operation })
            .observe(elapsed.as_secs_f64());
    }

    /// Records one SQL statement (called by the database driver).
    pub fn observe_query(&self, elapsed: Duration, failed: bool) {
        self.queries.inc();
        if failed {
            self.query_errors.inc();
        }
        self.query_seconds.observe(elapsed.as_secs_f64());
    }

    /// Records the outcome of one webhook delivery attempt.
    pub fn observe_webhook_delivery(&self, outcome: &'static str) {
        self.webhook_deliveries
            .get_or_create(&WebhookOutcome { outcome })
            .inc();
    }

    /// Number of SQL statements executed so far.
    pub fn query_count(&self) -> u64 {
        self.queries.get()
    }

    /// Sets the pool gauges; called just before rendering.
    pub fn set_pool(&self, in_use: u32, idle: u32, max: u32) {
        for (state, value) in [("in_use", in_use), ("idle", idle), ("max", max)] {
            self.pool
                .get_or_create(&PoolState { state })
                .set(i64::from(value));
        }
    }

    /// Counts one delivery outcome.
    pub fn observe_delivery(&self, transport: &'static str, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels { transport, outcome })
            .inc();
    }

    /// Sets the outbox gauges; called just before rendering.
    pub fn set_outbox(&self, figures: &OutboxFigures) {
        for (status, count) in &figures.by_status {
            self.messages
                .get_or_create(&StatusLabel { status })
                .set(*count);
        }
        self.oldest_due.set(figures.oldest_due_seconds);
        self.instances.set(figures.instances_alive);
    }

    /// Counts a subscription started (`1`) or ended (`-1`).
    pub fn subscriptions_changed(&self, by: i64) {
        self.subscriptions.inc_by(by);
    }

    /// Counts a WebSocket connection opened (`1`) or closed (`-1`).
    pub fn subscription_connections_changed(&self, by: i64) {
        self.subscription_connections.inc_by(by);
    }

    /// The registry in the Prometheus text exposition format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| {
            !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }) else {
            return "anonymous".into();
        };
        let Ok(mut known) = self.known_operations.lock() else {
            return "other".into();
        };
        if known.contains(name) || known.len() < MAX_OPERATION_NAMES {
            known.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_operations_and_queries() {
        let metrics = Metrics::new();
        metrics.observe_operation(Some("Candidates"), false, Duration::from_millis(3));
        metrics.observe_operation(Some("bad name\n"), true, Duration::from_millis(3));
        metrics.observe_query(Duration::from_micros(200), false);
        metrics.set_pool(1, 2, 10);
        let text = metrics.render().unwrap();
        assert!(
            text.contains(
                r#"recruitmail_graphql_operations_total{operation="Candidates",outcome="ok"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"recruitmail_graphql_operations_total{operation="anonymous",outcome="error"} 1"#
        ));
        assert!(text.contains("recruitmail_db_queries_total 1"));
        assert!(text.contains(r#"recruitmail_db_pool_connections{state="max"} 10"#));
        assert_eq!(metrics.query_count(), 1);
    }
}

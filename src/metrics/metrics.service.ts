import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process; one registry per app so tests can boot several. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly published = new Counter({
    name: 'attune_messages_published_total',
    help: 'Messages confirmed by the broker, by exchange and message type',
    labelNames: ['exchange', 'type'],
    registers: [this.registry],
  });
  readonly consumed = new Counter({
    name: 'attune_messages_consumed_total',
    help: 'Messages delivered to a consumer, by queue and message type',
    labelNames: ['queue', 'type'],
    registers: [this.registry],
  });
  readonly acked = new Counter({
    name: 'attune_messages_acked_total',
    help: 'Messages handled successfully and acknowledged, by queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'attune_messages_retried_total',
    help: 'Messages sent to a retry queue after their handler failed, by queue',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'attune_messages_dead_lettered_total',
    help: 'Messages sent to a dead-letter queue, by queue and reason',
    labelNames: ['queue', 'reason'],
    registers: [this.registry],
  });
  readonly handlerDuration = new Histogram({
    name: 'attune_message_handler_duration_seconds',
    help: 'Time spent in message handlers, by queue and message type',
    labelNames: ['queue', 'type'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'attune_backlog',
    help: 'Work accepted and not started: events not yet processed plus executions requested or scheduled (read by the api role every second)',
    registers: [this.registry],
  });
  readonly backlogLimit = new Gauge({
    name: 'attune_backlog_limit',
    help: 'MAX_BACKLOG: past it, webhooks and manual runs answer 429',
    registers: [this.registry],
  });
  readonly notifierClients = new Gauge({
    name: 'attune_notifier_clients',
    help: 'Live notification clients connected to this notifier, by transport (ws, sse)',
    labelNames: ['transport'],
    registers: [this.registry],
  });
  readonly notifierClientsDropped = new Counter({
    name: 'attune_notifier_clients_dropped_total',
    help: 'Live clients the notifier disconnected, by transport and reason (too_slow, unresponsive)',
    labelNames: ['transport', 'reason'],
    registers: [this.registry],
  });
  readonly prunedRows = new Counter({
    name: 'attune_history_pruned_rows_total',
    help: 'Rows deleted by retention passes, by table (RETENTION_DAYS, AUDIT_RETENTION_DAYS)',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly prunePasses = new Counter({
    name: 'attune_history_prune_passes_total',
    help: 'Retention passes this process ran to the end',
    registers: [this.registry],
  });
  readonly prunePassSeconds = new Gauge({
    name: 'attune_history_prune_pass_seconds',
    help: 'How long the last retention pass of this process took',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'attune_' });
  }
}

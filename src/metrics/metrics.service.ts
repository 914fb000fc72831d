import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ExecutionStageTimes, executionStageDurations } from './execution-stages';

/**
 * prom-client's gauges named like counters (promtool refuses them). The same figures stay
 * available as the sum of their per-type gauges (`attune_nodejs_active_handles{type}` …).
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  'attune_nodejs_active_handles_total',
  'attune_nodejs_active_requests_total',
  'attune_nodejs_active_resources_total',
];

const DEPTH_READ_TIMEOUT_MS = 2000;

/** From a millisecond's scheduling to an hour-long action. */
const STAGE_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];

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

  readonly executionStageDuration = new Histogram({
    name: 'attune_execution_stage_duration_seconds',
    help: 'Time finished executions spent in each stage, by stage (queued: requested to scheduled, dispatch: scheduled to running, run: running to finished, total: requested to finished) and final status; recorded once, by the process that committed the final status',
    labelNames: ['stage', 'status'],
    buckets: STAGE_BUCKETS_S,
    registers: [this.registry],
  });
  readonly executionsFinished = new Counter({
    name: 'attune_executions_finished_total',
    help: 'Executions that reached a final status (succeeded, failed, timeout, canceled, abandoned), counted once, by the process that committed it',
    labelNames: ['status'],
    registers: [this.registry],
  });
  /** Set by the api role: reads the depth of every dead-letter queue. */
  private deadLetterDepths?: () => Promise<Array<{ queue: string; messages: number }>>;
  readonly deadLetterQueueDepth = new Gauge({
    name: 'attune_dead_letter_queue_messages',
    help: 'Messages waiting in each dead-letter queue (read by the api role when scraped)',
    labelNames: ['queue'],
    registers: [this.registry],
    collect: () => this.readDeadLetterDepths(),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'attune_' });
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
  }

  /** The api role reports DLQ depths; other roles leave the gauge out of their scrape. */
  reportDeadLetterDepths(read: () => Promise<Array<{ queue: string; messages: number }>>): void {
    this.deadLetterDepths = read;
  }

  /** A scrape never waits long on the broker: if it does not answer, the last values stay. */
  private async readDeadLetterDepths(): Promise<void> {
    if (!this.deadLetterDepths) return;
    const timeout = new Promise<undefined>((resolve) =>
      setTimeout(resolve, DEPTH_READ_TIMEOUT_MS, undefined).unref(),
    );
    const depths = await Promise.race([this.deadLetterDepths().catch(() => undefined), timeout]);
    for (const { queue, messages } of depths ?? []) {
      this.deadLetterQueueDepth.set({ queue }, messages);
    }
  }

  /** Executions whose final status was just committed (each exactly once, where it was). */
  recordFinishedExecutions(rows: ExecutionStageTimes[]): void {
    for (const row of rows) {
      this.executionsFinished.inc({ status: row.status });
      for (const [stage, seconds] of executionStageDurations(row)) {
        this.executionStageDuration.observe({ stage, status: row.status }, seconds);
      }
    }
  }
}

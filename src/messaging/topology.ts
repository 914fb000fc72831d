/**
 * The one typed definition of Attune's RabbitMQ topology. Every queue and exchange name is built
 * here; nothing else spells one out.
 */

export type ExchangeType = 'topic' | 'direct' | 'fanout';

export interface ExchangeSpec {
  name: string;
  type: ExchangeType;
}

export interface BindingSpec {
  exchange: string;
  routingKey: string;
}

export interface QueueSpec {
  name: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  arguments: Record<string, string | number>;
  bindings: BindingSpec[];
}

/** A consumed queue with its retry ladder and where its failures end up. */
export interface ConsumerQueues {
  main: QueueSpec;
  /** `<queue>.retry.<n>`: TTL queues that dead-letter back to `main`; empty when not retried. */
  retries: QueueSpec[];
  /** Where messages that cannot be handled are parked. */
  deadLetter: QueueSpec;
  /** Exchange and routing key that reach `deadLetter`. */
  deadLetterRoute: BindingSpec;
}

export interface TopologySettings {
  prefix: string;
  retryBackoffMs: number[];
  executionQueueTtlMs: number;
}

export class Topology {
  readonly exchanges: Record<'events' | 'executions' | 'notifications' | 'dlx', ExchangeSpec>;
  readonly events: ConsumerQueues;
  readonly executions: ConsumerQueues;
  readonly executionStatus: ConsumerQueues;
  /** Where worker queues dead-letter (expired or rejected executions); the executor reads it. */
  readonly workerDeadLetters: ConsumerQueues;
  /** The workflow conductor's: a workflow to start, or one of whose task runs finished. */
  readonly workflows: ConsumerQueues;

  constructor(private readonly settings: TopologySettings) {
    const p = settings.prefix;
    this.exchanges = {
      events: { name: `${p}.events`, type: 'topic' },
      executions: { name: `${p}.executions`, type: 'direct' },
      notifications: { name: `${p}.notifications`, type: 'fanout' },
      dlx: { name: `${p}.dlx`, type: 'direct' },
    };
    this.events = this.retriedQueue(`${p}.events.queue`, [
      { exchange: this.exchanges.events.name, routingKey: '#' },
    ]);
    this.executions = this.retriedQueue(`${p}.executions.queue`, [
      { exchange: this.exchanges.executions.name, routingKey: ROUTING_KEYS.executionRequested },
    ]);
    this.executionStatus = this.retriedQueue(`${p}.execution-status.queue`, [
      { exchange: this.exchanges.executions.name, routingKey: ROUTING_KEYS.executionStatus },
    ]);
    this.workflows = this.retriedQueue(`${p}.workflows.queue`, [
      { exchange: this.exchanges.executions.name, routingKey: ROUTING_KEYS.workflowAdvance },
    ]);

    // Named `worker.executions.dlq` in the topology contract; it carries the prefix here like every
    // other name so two deployments sharing a broker never read each other's dead letters
    // (decision 002).
    const workerDlq = this.deadLetterQueueFor(this.workerDeadLetterSource);
    this.workerDeadLetters = {
      main: workerDlq,
      retries: this.retryQueuesFor(workerDlq.name),
      // A DLQ has no dead-letter exchange of its own; what its handler cannot place is parked.
      deadLetter: plainQueue(`${p}.worker.executions.parked`, []),
      deadLetterRoute: { exchange: '', routingKey: `${p}.worker.executions.parked` },
    };
  }

  private get workerDeadLetterSource(): string {
    return `${this.settings.prefix}.worker.executions`;
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  /** `P.worker.<id>.executions`: durable so a connection blip keeps its work, gone when unused. */
  workerQueue(workerId: string): ConsumerQueues {
    const name = `${this.settings.prefix}.worker.${workerId}.executions`;
    const main = plainQueue(name, [
      { exchange: this.exchanges.executions.name, routingKey: workerRoutingKey(workerId) },
    ]);
    main.arguments = {
      'x-dead-letter-exchange': this.exchanges.dlx.name,
      'x-dead-letter-routing-key': this.workerDeadLetterSource,
      // Messages expire (and dead-letter) before an unused queue is deleted.
      'x-expires': Math.max(this.settings.executionQueueTtlMs * 2, 600_000),
    };
    return {
      main,
      retries: [],
      deadLetter: this.workerDeadLetters.main,
      deadLetterRoute: {
        exchange: this.exchanges.dlx.name,
        routingKey: this.workerDeadLetterSource,
      },
    };
  }

  /** `P.notifications.<instance>`: exclusive and auto-delete, so every notifier replica sees all. */
  notifierQueue(instanceId: string): ConsumerQueues {
    const dlqSource = `${this.settings.prefix}.notifications`;
    const main: QueueSpec = {
      name: `${this.settings.prefix}.notifications.${instanceId}`,
      durable: false,
      exclusive: true,
      autoDelete: true,
      arguments: {
        'x-dead-letter-exchange': this.exchanges.dlx.name,
        'x-dead-letter-routing-key': dlqSource,
      },
      bindings: [{ exchange: this.exchanges.notifications.name, routingKey: '' }],
    };
    return {
      main,
      retries: [],
      deadLetter: this.deadLetterQueueFor(dlqSource),
      deadLetterRoute: { exchange: this.exchanges.dlx.name, routingKey: dlqSource },
    };
  }

  /** The consumer queue sets with a fixed name (worker and notifier queues are per instance). */
  get staticConsumerQueues(): ConsumerQueues[] {
    return [
      this.events,
      this.executions,
      this.executionStatus,
      this.workflows,
      this.workerDeadLetters,
    ];
  }

  /** Every dead-letter queue an operator may inspect or replay. */
  get deadLetterQueues(): QueueSpec[] {
    return [
      ...[this.events, this.executions, this.executionStatus, this.workflows].map(
        (set) => set.deadLetter,
      ),
      this.workerDeadLetters.main,
      this.workerDeadLetters.deadLetter,
      this.deadLetterQueueFor(`${this.settings.prefix}.notifications`),
    ];
  }

  /** The queue a dead-lettered message came from, so replay can send it back there. */
  sourceOfDeadLetterQueue(deadLetterQueue: string): string | undefined {
    for (const set of [this.events, this.executions, this.executionStatus, this.workflows]) {
      if (set.deadLetter.name === deadLetterQueue) return set.main.name;
    }
    if (deadLetterQueue === this.workerDeadLetters.deadLetter.name) {
      return this.workerDeadLetters.main.name;
    }
    return undefined;
  }

  /**
   * The `queue` label of a queue's metrics: its name, except for per-instance queues, which are
   * counted by kind (`P.worker.executions` for every worker's queue, `P.notifications` for every
   * notifier's), so restarts with new ids add no series. The kind is where their DLQ's name
   * comes from too (`<kind>.dlq`).
   */
  queueMetricLabel(queue: string): string {
    const p = this.settings.prefix;
    if (queue.startsWith(`${p}.worker.`) && queue.endsWith('.executions')) {
      return this.workerDeadLetterSource;
    }
    const notifications = this.exchanges.notifications.name;
    const notifierDlq = this.deadLetterQueueFor(notifications).name;
    if (queue.startsWith(`${notifications}.`) && queue !== notifierDlq) return notifications;
    return queue;
  }

  retryQueueName(queue: string, attempt: number): string {
    return `${queue}.retry.${attempt}`;
  }

  /** A durable queue with its retry ladder and DLQ, as every fixed consumer queue has. */
  retriedQueue(name: string, bindings: BindingSpec[]): ConsumerQueues {
    const main = plainQueue(name, bindings);
    main.arguments = {
      'x-dead-letter-exchange': this.exchanges.dlx.name,
      'x-dead-letter-routing-key': name,
    };
    return {
      main,
      retries: this.retryQueuesFor(name),
      deadLetter: this.deadLetterQueueFor(name),
      deadLetterRoute: { exchange: this.exchanges.dlx.name, routingKey: name },
    };
  }

  private retryQueuesFor(queue: string): QueueSpec[] {
    return this.settings.retryBackoffMs.map((ttl, index) => ({
      ...plainQueue(this.retryQueueName(queue, index + 1), []),
      arguments: {
        'x-message-ttl': ttl,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
      },
    }));
  }

  private deadLetterQueueFor(source: string): QueueSpec {
    return plainQueue(`${source}.dlq`, [{ exchange: this.exchanges.dlx.name, routingKey: source }]);
  }
}

/** Whether `name` is a rung of a retry ladder (`<queue>.retry.<n>`, see retryQueueName). */
export const isRetryQueue = (name: string) => /\.retry\.\d+$/.test(name);

export const ROUTING_KEYS = {
  executionRequested: 'execution.requested',
  executionStatus: 'execution.status',
  workflowAdvance: 'workflow.advance',
} as const;

export function eventRoutingKey(triggerRef: string): string {
  return `event.${triggerRef}`;
}

export function workerRoutingKey(workerId: string): string {
  return `worker.${workerId}`;
}

function plainQueue(name: string, bindings: BindingSpec[]): QueueSpec {
  return { name, durable: true, exclusive: false, autoDelete: false, arguments: {}, bindings };
}

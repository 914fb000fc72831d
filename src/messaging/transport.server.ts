import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { backoffDelay, delay } from '../common/backoff';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import {
  ConsumerDriver,
  RunningConsumer,
  waitingConsumer,
} from './consumer-runtime/consumer-driver';
import { HandlerRegistry } from './consumer-runtime/handler-registry';
import {
  ConsumerComponent,
  componentKey,
  MESSAGING_NEEDS,
  MessagingNeeds,
} from './consumer-components';
import {
  ConsumerControl,
  ConsumerStatus,
  TopologyAdmin,
  TransportConnection,
} from './messaging.port';

const WATCHDOG_INTERVAL_MS = 2000;

/**
 * The Attune transport as Nest sees it: a @nestjs/microservices custom strategy whose handlers
 * are the @OnMessage methods of the role modules. It checks at start that every message routed
 * to this process's consumers has exactly one handler, then runs one consumer per component
 * through the transport's ConsumerDriver (RabbitMQ or PostgreSQL) without blocking start-up on
 * the transport.
 */
@Injectable()
export class AttuneTransportServer
  extends Server
  implements
    CustomTransportStrategy,
    ConsumerControl,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly log = new Logger('Consumers');
  private readonly consumers = new Map<string, RunningConsumer>();
  private readonly runtimeInstances = new Map<
    string,
    { promise: Promise<string>; resolve: (instance: string) => void }
  >();
  private watchdog?: NodeJS.Timeout;
  private stopping = false;
  private readonly stopped = new AbortController();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connection: TransportConnection,
    private readonly topologyAdmin: TopologyAdmin,
    private readonly driver: ConsumerDriver,
    @Inject(MESSAGING_NEEDS) private readonly needs: MessagingNeeds,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    let handlers: HandlerRegistry;
    try {
      handlers = new HandlerRegistry(this.getHandlers(), this.needs.consumers);
    } catch (error) {
      return callback(error);
    }
    // Never block start-up on the broker: HTTP and /health must come up while it is away.
    callback();
    this.topologyAdmin.startDeclaring();
    for (const component of this.needs.consumers) {
      const running = waitingConsumer(component);
      this.consumers.set(running.key, running);
      void this.start(running, handlers).catch((error: Error) => {
        running.problem = `consumer ${running.key} failed to start: ${error.message}`;
        this.log.error(running.problem);
      });
    }
    this.watchdog = setInterval(() => this.watch(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  on(): void {
    // No transport-level events to subscribe to.
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  async close(): Promise<void> {
    await this.stopAll();
  }

  bindInstance(component: ConsumerComponent, instance: string): void {
    this.runtimeSlot(componentKey(component)).resolve(instance);
  }

  async stopConsuming(component: ConsumerComponent): Promise<void> {
    const running = this.consumers.get(componentKey(component));
    if (running) await this.driver.stop(running);
  }

  consumerStatus(): ConsumerStatus[] {
    return [...this.consumers.values()].map((running) => this.driver.status(running));
  }

  /** The queues this process consumes from (for readiness). */
  consumedQueues(): string[] {
    return [...this.consumers.values()].flatMap((r) => (r.queues ? [r.queues.main.name] : []));
  }

  /**
   * Keeps trying until the consumer runs or the process stops: a start that failed (the
   * connection closed while it declared its queues, say) is tried again with backoff, and
   * readiness names it meanwhile.
   */
  private async start(running: RunningConsumer, handlers: HandlerRegistry): Promise<void> {
    const instance = running.component.instanceBoundAtRunTime
      ? await this.runtimeSlot(running.key).promise
      : this.config.instanceId;
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await this.driver.start(running, instance, handlers);
        return;
      } catch (error) {
        if (this.stopping) return;
        const wait = backoffDelay(attempt, 500, 30_000);
        running.state = 'waiting';
        running.problem = `consumer ${running.key} failed to start (${(error as Error).message}); trying again in ${wait} ms`;
        this.log.warn(running.problem);
        await delay(wait, this.stopped.signal);
      }
    }
  }

  /** Consumers that should have run for longer than CONSUMER_START_TIMEOUT_MS and do not. */
  stalledConsumers(): string[] {
    const limit = this.config.messaging.consumerStartTimeoutMs;
    const now = Date.now();
    return [...this.consumers.values()]
      .filter((running) => {
        this.driver.noteActivity(running);
        return running.inactiveSince !== undefined && now - running.inactiveSince > limit;
      })
      .map(
        (running) =>
          `consumer ${running.tag ?? running.key} has not run for ${Math.round((now - running.inactiveSince!) / 1000)} s ` +
          `while the transport was connected (CONSUMER_START_TIMEOUT_MS=${limit})`,
      );
  }

  private watch(): void {
    for (const running of this.consumers.values()) this.driver.noteActivity(running);
    void this.driver.watch();
  }

  private runtimeSlot(key: string) {
    let slot = this.runtimeInstances.get(key);
    if (!slot) {
      let resolve!: (instance: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      slot = { promise, resolve };
      this.runtimeInstances.set(key, slot);
    }
    return slot;
  }

  private async stopAll(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all([...this.consumers.values()].map((running) => this.driver.stop(running)));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stopAll();
  }

  onApplicationShutdown(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }
}

import { randomUUID } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DatabaseService } from '../../database/database.service';
import { WorkerStore } from '../../stores/worker.store';
import { CONSUMERS } from '../../messaging/consumer-components';
import { ConsumerControl } from '../../messaging/messaging.port';
import { ExecutionSupervisor } from './execution-supervisor';

/**
 * The worker's identity and life: registers by WORKER_NAME (same name, same id across
 * restarts), then consumes its own queue, heartbeats, and on SIGTERM stops taking work,
 * finishes what runs (up to SHUTDOWN_GRACE_MS) and marks itself inactive.
 */
@Injectable()
export class WorkerRegistration implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WorkerRegistration');
  private heartbeat?: NodeJS.Timeout;
  private workerId?: string;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly workers: WorkerStore,
    private readonly consumers: ConsumerControl,
    private readonly supervisor: ExecutionSupervisor,
  ) {}

  onApplicationBootstrap(): void {
    void this.register();
  }

  private async register(): Promise<void> {
    await this.db.whenReady();
    if (this.stopping) return;
    const { name, capacity, heartbeatMs } = this.config.worker;
    const id = await this.workers.register({
      id: randomUUID(),
      name,
      runners: this.supervisor.supportedRunners,
      capacity,
      instanceId: this.config.instanceId,
    });
    this.workerId = id;
    this.supervisor.setWorkerId(id);
    this.logger.log(`registered as worker ${name} (${id}), capacity ${capacity}`);
    this.consumers.bindInstance(CONSUMERS.workerExecutions, id);
    this.heartbeat = setInterval(() => void this.beat(), heartbeatMs);
  }

  /** Also brings a worker back to active if the reaper gave up on it while it was stalled. */
  private async beat(): Promise<void> {
    try {
      await this.workers.heartbeat(this.workerId!);
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (!this.workerId) return;
    await this.setStatus('draining');
    await this.consumers.stopConsuming(CONSUMERS.workerExecutions);
    await this.supervisor.drain(this.config.shutdownGraceMs);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.setStatus('inactive');
    this.logger.log('worker drained and marked inactive');
  }

  private async setStatus(status: 'draining' | 'inactive'): Promise<void> {
    await this.workers
      .setStatus(this.workerId!, status)
      .catch((error: Error) =>
        this.logger.warn(`could not mark worker ${status}: ${error.message}`),
      );
  }
}

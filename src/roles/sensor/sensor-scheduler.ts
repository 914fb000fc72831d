import { createHash } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { deterministicUuid } from '../../common/deterministic-id';
import { DatabaseService } from '../../database/database.service';
import { SensorRow, SensorStore } from '../../stores/sensor.store';
import { isTickDue, latestTick, TimerConfig } from '../../domain/sensor-schedule';
import { runWithCorrelation } from '../../logging/correlation';
import { MessagePublisher } from '../../messaging/messaging.port';
import { pollOnce } from './http-poll';

interface LoadedSensor {
  row: SensorRow;
  /** The last tick this replica knows was fired (by it or another replica). */
  lastFired: Date | null;
  busy: boolean;
}

/** How often sensor definitions are re-read: adds, changes and disables apply without restart. */
const RELOAD_MS = 1000;
/** How often due ticks are checked. */
const TICK_MS = 100;
/** A tick is fired only this soon after it was due (a stopped sensor does not replay the past). */
const GRACE_MS = 3000;

/**
 * Runs timer and http-poll sensors from the `sensor` table. Each tick is claimed with one
 * conditional UPDATE of the sensor's last_fired_at (a lease in PostgreSQL), so with several
 * sensor replicas exactly one fires it; the tick's event id is derived from the sensor and
 * the tick, so even a tick published twice is stored once.
 */
@Injectable()
export class SensorScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Sensors');
  private readonly sensors = new Map<string, LoadedSensor>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly db: DatabaseService,
    private readonly store: SensorStore,
    private readonly publisher: MessagePublisher,
  ) {}

  onApplicationBootstrap(): void {
    void this.db.whenReady().then(async () => {
      if (this.stopped) return;
      await this.reload();
      this.timers = [
        setInterval(() => void this.reload(), RELOAD_MS),
        setInterval(() => this.tick(), TICK_MS),
      ];
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
  }

  private async reload(): Promise<void> {
    try {
      const rows = await this.store.enabled();
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(row.id);
        const known = this.sensors.get(row.id);
        if (!known) this.logger.log(`sensor ${row.ref} (${row.type}) started`);
        const lastFired = latest(known?.lastFired ?? null, row.last_fired_at);
        this.sensors.set(row.id, { row, lastFired, busy: known?.busy ?? false });
      }
      for (const [id, sensor] of this.sensors) {
        if (!seen.has(id)) {
          this.sensors.delete(id);
          this.logger.log(`sensor ${sensor.row.ref} stopped (disabled or deleted)`);
        }
      }
    } catch (error) {
      this.logger.warn(`could not load sensors: ${(error as Error).message}`);
    }
  }

  private tick(): void {
    const now = new Date();
    for (const sensor of this.sensors.values()) {
      if (sensor.busy) continue;
      const tick = latestTick(timerConfigOf(sensor.row), now);
      if (!isTickDue(tick, sensor.lastFired, now, GRACE_MS)) continue;
      sensor.busy = true;
      void this.claimAndFire(sensor, tick).finally(() => (sensor.busy = false));
    }
  }

  private async claimAndFire(sensor: LoadedSensor, tick: Date): Promise<void> {
    const previous = sensor.lastFired;
    sensor.lastFired = tick;
    try {
      // Another replica may have this tick.
      if (!(await this.store.claimTick(sensor.row.id, tick))) return;
      const correlationId = deterministicUuid(`${sensor.row.id}:${tick.toISOString()}:correlation`);
      await runWithCorrelation({ correlationId }, () =>
        sensor.row.type === 'http_poll' ? this.poll(sensor, tick) : this.fireTimer(sensor, tick),
      );
    } catch (error) {
      this.logger.warn(
        `sensor ${sensor.row.ref} tick ${tick.toISOString()} failed: ${(error as Error).message}`,
      );
      // Give the tick back so the next check (here or on a replica) tries it again.
      sensor.lastFired = previous;
      await this.store.releaseTick(sensor.row.id, tick, previous).catch(() => undefined);
    }
  }

  private async fireTimer(sensor: LoadedSensor, tick: Date): Promise<void> {
    await this.publishEvent(sensor, tick, { sensor: sensor.row.ref, fired_at: tick.toISOString() });
  }

  /** Emits an event when the response differs from the last one seen (not on the first look). */
  private async poll(sensor: LoadedSensor, tick: Date): Promise<void> {
    const url = String(sensor.row.config.url);
    const response = await pollOnce(url, Number(sensor.row.config.interval_ms));
    const hash = createHash('sha256').update(`${response.status}\n${response.text}`).digest('hex');
    const previousHash = (await this.store.swapPollState(sensor.row.id, hash, response.status))
      ?.hash;
    if (previousHash === undefined || previousHash === hash) return;
    await this.publishEvent(sensor, tick, {
      sensor: sensor.row.ref,
      url,
      status: response.status,
      headers: response.headers,
      body: response.body,
      fired_at: tick.toISOString(),
    });
  }

  private async publishEvent(sensor: LoadedSensor, tick: Date, payload: Record<string, unknown>) {
    await this.publisher.publish('EventCreated', {
      event_id: deterministicUuid(`${sensor.row.id}:${tick.toISOString()}`),
      trigger: sensor.row.trigger_ref,
      payload,
      source: `sensor:${sensor.row.ref}`,
      occurred_at: new Date().toISOString(),
    });
  }
}

function timerConfigOf(row: SensorRow): TimerConfig {
  if (typeof row.config.cron === 'string') return { cron: row.config.cron };
  return { interval_ms: Number(row.config.interval_ms) };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b ? new Date(b) : null;
  if (!b) return a;
  return a.getTime() >= new Date(b).getTime() ? a : new Date(b);
}

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CORE_ACTIONS, CORE_TRIGGERS } from '../domain/core-pack';

/** Registers the built-in core pack; re-running it updates the definitions in place. */
@Injectable()
export class CorePackSeeder {
  async seed(dataSource: DataSource): Promise<void> {
    await dataSource.transaction(async (manager) => {
      for (const trigger of CORE_TRIGGERS) {
        await manager.query(
          `INSERT INTO trigger (id, ref, description, payload_schema) VALUES ($1, $2, $3, $4)
           ON CONFLICT (ref) DO UPDATE SET description = EXCLUDED.description,
             payload_schema = EXCLUDED.payload_schema
           WHERE trigger.description IS DISTINCT FROM EXCLUDED.description
              OR trigger.payload_schema IS DISTINCT FROM EXCLUDED.payload_schema`,
          [randomUUID(), trigger.ref, trigger.description, json(trigger.payloadSchema)],
        );
      }
      for (const action of CORE_ACTIONS) {
        await manager.query(
          `INSERT INTO action (id, ref, description, runner, parameters_schema, defaults, timeout_ms,
             retry_on_worker_loss)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (ref) DO UPDATE SET description = EXCLUDED.description,
             runner = EXCLUDED.runner, parameters_schema = EXCLUDED.parameters_schema,
             defaults = EXCLUDED.defaults, timeout_ms = EXCLUDED.timeout_ms,
             retry_on_worker_loss = EXCLUDED.retry_on_worker_loss
           WHERE (action.description, action.runner, action.parameters_schema, action.defaults,
                  action.timeout_ms, action.retry_on_worker_loss)
             IS DISTINCT FROM (EXCLUDED.description, EXCLUDED.runner, EXCLUDED.parameters_schema,
                  EXCLUDED.defaults, EXCLUDED.timeout_ms, EXCLUDED.retry_on_worker_loss)`,
          [
            randomUUID(),
            action.ref,
            action.description,
            action.runner,
            json(action.parametersSchema),
            json(action.defaults),
            action.timeoutMs,
            action.retryOnWorkerLoss,
          ],
        );
      }
    });
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

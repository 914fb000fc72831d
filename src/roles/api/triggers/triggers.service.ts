import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { DatabaseService } from '../../../database/database.service';
import { assertNoProblems, conflict, notFound } from '../../../common/errors';
import { DefinitionService } from '../definitions/definition.service';
import { RuleStore } from '../../../stores/rule.store';
import { SensorStore } from '../../../stores/sensor.store';
import { TriggerRow, TriggerStore } from '../../../stores/trigger.store';
import { inTransaction, jsonParam } from '../../../stores/sql';
import { SecretCipher, SecretsDisabledError } from '../../../secrets/secret-cipher';
import { webhookSecretContext } from '../webhooks/webhook-signature';
import { iso } from '../../../common/iso';
import { userSchemaProblem } from '../../../executions/user-schema';
import { TriggerDefinitionDto, TriggerView } from './trigger.dto';
import { TriggerCatalog } from './trigger-catalog';

@Injectable()
export class TriggersService extends DefinitionService<
  TriggerRow,
  TriggerView,
  TriggerDefinitionDto
> {
  constructor(
    db: DatabaseService,
    audit: AuditTrail,
    triggers: TriggerStore,
    catalog: TriggerCatalog,
    private readonly rules: RuleStore,
    private readonly sensors: SensorStore,
    private readonly cipher: SecretCipher,
  ) {
    super(db, audit, triggers, catalog);
  }

  /** The webhook secret is sealed; left out of the DTO, the stored one stays. */
  protected columns(dto: TriggerDefinitionDto & { ref: string }) {
    const secret = dto.webhook_secret;
    return {
      ...columns(dto),
      ...(secret === undefined
        ? {}
        : {
            webhook_secret_sealed: secret === null ? null : this.sealWebhookSecret(secret, dto.ref),
          }),
    };
  }

  private sealWebhookSecret(secret: string, ref: string): string {
    if (!this.cipher.enabled) throw new SecretsDisabledError('webhook secrets');
    return this.cipher.seal(secret, webhookSecretContext(ref));
  }

  protected toView(row: TriggerRow): TriggerView {
    return toView(row);
  }

  /** Refused while rules or sensors name the trigger; the row lock keeps new ones out meanwhile. */
  protected async removeRow(ref: string): Promise<void> {
    await inTransaction(this.db, async (sql) => {
      if (!(await this.table.lock(ref, sql, 'UPDATE'))) throw notFound('trigger', ref);
      const users = [
        ...(await this.rules.refsOnTrigger(sql, ref)).map((rule) => `rule '${rule}'`),
        ...(await this.sensors.refsOnTrigger(sql, ref)).map((sensor) => `sensor '${sensor}'`),
      ];
      if (users.length > 0) {
        const named = users.join(', ');
        throw conflict(`trigger '${ref}' is used by ${named}; delete or change those first`);
      }
      await this.table.remove(ref, sql);
    });
  }
}

function columns(dto: TriggerDefinitionDto) {
  const schema = dto.payload_schema ?? null;
  const problem = schema === null ? undefined : userSchemaProblem(schema, 'payload_schema');
  assertNoProblems(problem ? [problem] : []);
  return {
    description: dto.description ?? null,
    payload_schema: jsonParam(schema),
  };
}

function toView(row: TriggerRow): TriggerView {
  return {
    id: row.id,
    ref: row.ref,
    description: row.description,
    payload_schema: row.payload_schema,
    webhook_secret_set: row.webhook_secret_sealed !== null,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

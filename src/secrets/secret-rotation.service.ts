import { Injectable } from '@nestjs/common';
import { webhookSecretContext } from '../roles/api/webhooks/webhook-signature';
import { isSealed, SecretCipher, sealedKeyId } from './secret-cipher';
import { SEALED_PARAMETER_CONTEXT, secretContext } from './secret-resolver.service';
import { ExecutionStore } from '../stores/execution.store';
import { SecretStore } from '../stores/secret.store';
import { TriggerStore } from '../stores/trigger.store';

const BATCH = 500;

export interface RotationReport {
  keyId: string;
  secrets: number;
  webhookSecrets: number;
  executions: number;
}

/**
 * `attune secrets rotate-key`: re-seals every sealed value (secrets, trigger webhook secrets,
 * secret execution parameters) under the current ATTUNE_SECRET_KEY, opening each under whichever
 * key it names (ATTUNE_SECRET_KEY_PREVIOUS). Afterwards the previous key can be dropped.
 * Idempotent: what is already under the current key is left alone.
 */
@Injectable()
export class SecretRotation {
  constructor(
    private readonly cipher: SecretCipher,
    private readonly secrets: SecretStore,
    private readonly triggers: TriggerStore,
    private readonly executions: ExecutionStore,
  ) {}

  async rotate(progress: (line: string) => void = () => {}): Promise<RotationReport> {
    const keyId = this.cipher.currentKeyId;
    const report: RotationReport = { keyId, secrets: 0, webhookSecrets: 0, executions: 0 };
    for (const row of await this.secrets.notUnder(keyId)) {
      const resealed = this.cipher.reseal(row.sealed_value, secretContext(row.name));
      await this.secrets.reseal(row.name, keyId, resealed);
      report.secrets++;
    }
    progress(`secrets re-sealed: ${report.secrets}`);
    for (const trigger of await this.triggers.withWebhookSecrets()) {
      if (sealedKeyId(trigger.webhook_secret_sealed) === keyId) continue;
      const context = webhookSecretContext(trigger.ref);
      await this.triggers.setWebhookSecret(
        trigger.ref,
        this.cipher.reseal(trigger.webhook_secret_sealed, context),
      );
      report.webhookSecrets++;
    }
    progress(`webhook secrets re-sealed: ${report.webhookSecrets}`);
    report.executions = await this.resealExecutions(keyId, progress);
    return report;
  }

  /** Executions with secret parameters, in batches by id (a scan: this runs rarely). */
  private async resealExecutions(keyId: string, progress: (line: string) => void): Promise<number> {
    let after = '00000000-0000-0000-0000-000000000000';
    let count = 0;
    for (;;) {
      const rows = await this.executions.withSealedParameters(after, BATCH);
      if (rows.length === 0) return count;
      for (const row of rows) {
        const stale = Object.entries(row.parameters).filter(
          ([, value]) => isSealed(value) && sealedKeyId(value) !== keyId,
        );
        if (stale.length === 0) continue;
        const parameters = { ...row.parameters };
        for (const [name, value] of stale) {
          parameters[name] = this.cipher.reseal(value as string, SEALED_PARAMETER_CONTEXT);
        }
        await this.executions.replaceParameters(row.id, parameters);
        count++;
      }
      after = rows[rows.length - 1].id;
      progress(`executions re-sealed so far: ${count}`);
    }
  }
}

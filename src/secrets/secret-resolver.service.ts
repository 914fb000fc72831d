import { Injectable } from '@nestjs/common';
import { resolveSecretReferences, secretNamesIn } from '../domain/templating';
import { isSealed, SecretCipher, SecretsDisabledError } from './secret-cipher';
import { SecretStore } from '../stores/secret.store';

export interface Revealed {
  parameters: Record<string, unknown>;
  /** The secret values now in the parameters, to mask wherever they show up. */
  revealed: string[];
}

/** What a sealed secret value is bound to: its name, so a value copied elsewhere does not open. */
export function secretContext(name: string): string {
  return `secret:${name}`;
}

/** Action parameters marked `"secret": true` are sealed under this context. */
export const SEALED_PARAMETER_CONTEXT = 'parameter';

/**
 * On the worker, just before an action runs: puts the values of `{{ secret.<name> }}` references
 * in and opens parameters that were sealed (`"secret": true` in the action's schema). Nothing
 * else ever sees the values; the caller masks them in what the action gives back.
 */
@Injectable()
export class SecretResolver {
  constructor(
    private readonly cipher: SecretCipher,
    private readonly store: SecretStore,
  ) {}

  /** At once when there is nothing to open (most actions): no promise on the hot path. */
  reveal(parameters: Record<string, unknown>, runner: string): Revealed | Promise<Revealed> {
    const names = secretNamesIn(parameters);
    const sealedKeys = Object.keys(parameters).filter((key) => isSealed(parameters[key]));
    if (names.length === 0 && sealedKeys.length === 0) return { parameters, revealed: [] };
    return this.open(parameters, runner, names, sealedKeys);
  }

  private async open(
    parameters: Record<string, unknown>,
    runner: string,
    names: string[],
    sealedKeys: string[],
  ): Promise<Revealed> {
    const revealed: string[] = [];
    let opened = parameters;
    // References first: an opened sealed value is data and must not be read as a template.
    if (names.length > 0) {
      const values = await this.secretValues(names);
      revealed.push(...values.values());
      opened = resolveSecretReferences(opened, values, {
        shellQuoted: runner === 'shell' ? 'cmd' : undefined,
      });
    }
    if (sealedKeys.length > 0) {
      opened = { ...opened };
      for (const key of sealedKeys) {
        const value = this.cipher.open(parameters[key] as string, SEALED_PARAMETER_CONTEXT);
        opened[key] = value;
        revealed.push(value);
      }
    }
    return { parameters: opened, revealed };
  }

  private async secretValues(names: string[]): Promise<Map<string, string>> {
    if (!this.cipher.enabled) throw new SecretsDisabledError('{{ secret.<name> }} references');
    const sealed = await this.store.sealedValues(names);
    const missing = names.filter((name) => !sealed.has(name));
    if (missing.length > 0) {
      throw new Error(`secret ${missing.map((name) => `'${name}'`).join(', ')} does not exist`);
    }
    return new Map(
      names.map((name) => [name, this.cipher.open(sealed.get(name)!, secretContext(name))]),
    );
  }
}

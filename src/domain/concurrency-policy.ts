// Concurrency policies on actions: `policy: { concurrency: { limit, key?, on_limit } }`. At most
// `limit` executions of the action (per key, when a key template is given) are scheduled or
// running; the rest wait `delayed` in request order, or end `canceled` (decision 018). The
// decision itself is taken in PostgreSQL under a lock per action and key; this is the pure part.
import { getPath } from './criteria';

export const ON_LIMIT = ['delay', 'cancel'] as const;
export type OnLimit = (typeof ON_LIMIT)[number];

export interface ConcurrencyPolicy {
  limit: number;
  /** A template over the execution's parameters, e.g. `{{ parameters.host }}`. */
  key?: string;
  on_limit: OnLimit;
}

export interface ActionPolicy {
  concurrency?: ConcurrencyPolicy;
}

export const MAX_CONCURRENCY_LIMIT = 10_000;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PARAMETER_PATH = /^parameters(\.[A-Za-z0-9_$-]+)+$/;

/** What is wrong with a policy as given in an action definition; [] when it is fine. */
export function policyProblems(policy: unknown): string[] {
  if (policy === null || policy === undefined) return [];
  if (typeof policy !== 'object' || Array.isArray(policy)) return ['policy must be an object'];
  const { concurrency, ...rest } = policy as Record<string, unknown>;
  const problems = Object.keys(rest).map((name) => `policy.${name} is not a known policy`);
  if (concurrency === undefined) return problems;
  if (typeof concurrency !== 'object' || concurrency === null || Array.isArray(concurrency)) {
    return [...problems, 'policy.concurrency must be an object'];
  }
  const { limit, key, on_limit: onLimit, ...unknown } = concurrency as Record<string, unknown>;
  for (const name of Object.keys(unknown)) {
    problems.push(`policy.concurrency.${name} is not a known field (limit, key, on_limit)`);
  }
  if (
    !Number.isInteger(limit) ||
    (limit as number) < 1 ||
    (limit as number) > MAX_CONCURRENCY_LIMIT
  ) {
    problems.push(`policy.concurrency.limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}`);
  }
  if (onLimit !== undefined && !ON_LIMIT.includes(onLimit as OnLimit)) {
    problems.push(`policy.concurrency.on_limit must be one of ${ON_LIMIT.join(', ')}`);
  }
  if (key !== undefined) {
    if (typeof key !== 'string' || key.length > 1000) {
      problems.push('policy.concurrency.key must be a template string');
    } else {
      const paths = [...key.matchAll(PLACEHOLDER)].map((match) => match[1]);
      if (paths.length === 0) {
        problems.push('policy.concurrency.key must name a parameter, e.g. "{{ parameters.host }}"');
      }
      for (const path of paths.filter((p) => !PARAMETER_PATH.test(p))) {
        problems.push(
          `policy.concurrency.key: unknown placeholder "{{ ${path} }}"; use parameters.<path>`,
        );
      }
    }
  }
  return problems;
}

/** The policy with its defaults filled in (on_limit: delay); undefined when there is none. */
export function concurrencyOf(
  policy: ActionPolicy | null | undefined,
): ConcurrencyPolicy | undefined {
  const concurrency = policy?.concurrency;
  if (!concurrency) return undefined;
  return {
    limit: concurrency.limit,
    key: concurrency.key,
    on_limit: concurrency.on_limit ?? 'delay',
  };
}

/**
 * The key an execution is counted under: the key template rendered over its parameters ('' for
 * a policy without a key: one count for the whole action). A missing parameter renders empty.
 */
export function concurrencyKeyOf(
  policy: ConcurrencyPolicy,
  parameters: Record<string, unknown>,
): string {
  if (!policy.key) return '';
  return policy.key.replace(PLACEHOLDER, (_, path: string) => {
    const value = getPath({ parameters }, path);
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** Why an execution over the limit was canceled (its `error`). */
export function overLimitReason(actionRef: string, policy: ConcurrencyPolicy, key: string): string {
  const per = key === '' ? '' : ` for key '${key}'`;
  return (
    `canceled by the concurrency policy of ${actionRef}: ${policy.limit} ` +
    `execution(s)${per} already scheduled or running`
  );
}

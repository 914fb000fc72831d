/**
 * Every PostgreSQL advisory lock Attune takes, in one place so that no two uses share a key
 * (a shared key would make unrelated work wait for each other, or skip a pass).
 */
export const ADVISORY_LOCKS = {
  /** Migrations, between processes that start together (session lock). */
  migrations: 472_019_331,
  /** One executor replica reaps dead workers at a time (transaction lock, tried). */
  deadWorkerReaper: 472_019_332,
  /** The first start's "no keys yet: make one", between api processes (transaction lock). */
  firstAdminKey: 472_019_333,
  /**
   * Deciding for an execution under its action's concurrency policy (transaction lock, the
   * two-key form: this, and a hash of the action and the policy key).
   */
  concurrencyPolicy: 472_019_334,
  /** One executor replica prunes history at a time (session lock, tried). */
  historyPruning: 472_019_335,
} as const;

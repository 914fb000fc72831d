/**
 * Whether an error means PostgreSQL could not be reached or was going away (a restart, a
 * failover, a dropped connection), as opposed to a statement it refused. SQLSTATE classes: 08
 * connection exception, 57P operator intervention (shutdown), 53 insufficient resources.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(08|57P|53)/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection error|timeout exceeded when trying to connect|PostgreSQL is not connected|Client was closed/i.test(
    message,
  );
}

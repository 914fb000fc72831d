import type { NumberedNotification } from './notification-hub';

export type LiveTransport = 'ws' | 'sse';
export type DropReason = 'too_slow' | 'unresponsive';

/** WebSocket close codes the notifier uses; 4000 is ours (application range): reconnect slower. */
export const WS_CLOSE = {
  goingAway: 1001,
  invalidFilter: 1008,
  tooSlow: 4000,
} as const;

/**
 * A dropped client still gets its close reason when it reads again; one that never does is cut
 * off after this long, so its connection (and what is queued on it) cannot linger.
 */
export const CLOSE_GRACE_MS = 10_000;

/** One connected client as the registry sees it, whatever carries it. */
export interface LiveClient {
  readonly transport: LiveTransport;
  /** Bytes handed to the connection that the client has not taken yet. */
  queuedBytes(): number;
  send(entry: NumberedNotification): void;
  /** Keeps an idle connection open through proxies; false when the client stopped answering. */
  heartbeat(): boolean;
  /** Closes with a reason the client can read, then for good after CLOSE_GRACE_MS. */
  drop(reason: string): void;
  /** Closes because this notifier is stopping. */
  close(): void;
}

import { must, type AttuneClient } from './api';

/** One notification from /ws: `{ id, type, ...notification }` (src/domain/messages.ts). */
export interface LiveNotification {
  id: number;
  /** Where a reconnect resumes from (`/ws?last_event_id=`). */
  event_id: string;
  type: string;
  kind: 'execution' | 'inquiry';
  execution_id: string;
  action: string;
  status: string;
  inquiry_id?: string;
  worker_id?: string | null;
  parent_id?: string | null;
  task?: string | null;
  created_at?: string;
  scheduled_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  at: string;
}

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveListener {
  notification?(notification: LiveNotification): void;
  /** The feed (re)connected after a gap: what was missed must be fetched again. */
  resync?(): void;
}

const MAX_DELAY_MS = 10_000;

/**
 * The live feed: a single-use ticket (POST /api/v1/stream/tickets), then /ws?ticket=. It reconnects
 * by itself with a growing, jittered delay and resumes after the last notification it saw
 * (`&last_event_id=`): the notifier replays what was missed. Listeners are told to refetch on the
 * first connect (what happened between a page's fetch and now) and when the notifier cannot
 * resume (a `reset` frame: another replica, or more was missed than it keeps).
 */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private socket?: WebSocket;
  private timer?: ReturnType<typeof setTimeout>;
  private failures = 0;
  private lastEventId?: string;
  private stopped = false;
  state: LiveState = 'connecting';

  constructor(private readonly api: AttuneClient) {}

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    let ticket: string;
    try {
      ({ ticket } = await must(this.api.POST('/api/v1/stream/tickets')));
    } catch {
      return this.retry();
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const resumeFrom = this.lastEventId;
    const resume = resumeFrom ? `&last_event_id=${encodeURIComponent(resumeFrom)}` : '';
    const socket = new WebSocket(
      `${scheme}//${location.host}/ws?ticket=${encodeURIComponent(ticket)}${resume}`,
    );
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.setState('live');
      // The first open has nothing to resume from: what happened since the pages fetched is
      // fetched again. A reconnect is replayed by the notifier instead (or reset, below).
      if (!resumeFrom) this.resync();
    };
    socket.onmessage = (message) => {
      let frame: LiveNotification | { type: 'reset'; event_id: string };
      try {
        frame = JSON.parse(String(message.data)) as typeof frame;
      } catch {
        return;
      }
      if (frame.event_id) this.lastEventId = frame.event_id;
      if (frame.type === 'reset') return this.resync();
      const notification = frame as LiveNotification;
      for (const listener of this.listeners) listener.notification?.(notification);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.retry();
    };
  }

  private resync(): void {
    for (const listener of this.listeners) listener.resync?.();
  }

  private retry(): void {
    if (this.stopped) return;
    this.setState('offline');
    this.failures += 1;
    const base = Math.min(MAX_DELAY_MS, 500 * 2 ** Math.min(this.failures - 1, 5));
    this.timer = setTimeout(() => void this.connect(), base / 2 + Math.random() * (base / 2));
  }
}

import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Notification } from '../../domain/messages';

export type { Notification };

/** The message types live clients receive (and may filter on with `type=`). */
export const LIVE_MESSAGE_TYPES = ['NotificationCreated'] as const;
export type LiveMessageType = (typeof LIVE_MESSAGE_TYPES)[number];

/** How many recent notifications clients can resume from (SSE Last-Event-ID, /ws last_event_id). */
export const REPLAY_WINDOW = 1000;

/** A numbered notification, serialised once for every client. */
export interface NumberedNotification {
  /** This notifier instance's sequence number. */
  id: number;
  type: LiveMessageType;
  /**
   * What filters look at, and only that: a thousand whole notifications kept for resuming
   * clients were about a third of what an all-in-one process moved to V8's old generation under
   * steady load (measured with the bench), and so of its full collections.
   */
  notification: Pick<Notification, 'kind' | 'execution_id' | 'action'>;
  /** `{ id, event_id, type, ...notification }`: what clients receive, flat and small. */
  json: string;
}

export type NotificationListener = (entry: NumberedNotification) => void;

/** Where a Last-Event-ID puts a resuming client. */
export type ResumePoint =
  { found: true; missed: NumberedNotification[] } | { found: false; reason: string };

/**
 * Numbers the notifications this instance receives, keeps the last REPLAY_WINDOW of them and fans
 * them out to listeners. Sequence numbers restart with the process and differ between replicas,
 * so resume positions carry this stream's random name: an id from elsewhere is never mistaken
 * for one of ours.
 */
@Injectable()
export class NotificationHub {
  readonly stream = randomBytes(4).toString('hex');
  private readonly listeners = new Set<NotificationListener>();
  private readonly recent: NumberedNotification[] = [];
  /** Index in `recent` of the oldest entry once the ring is full. */
  private oldestIndex = 0;
  private sequence = 0;

  publish(notification: Notification): void {
    const id = ++this.sequence;
    const type = 'NotificationCreated';
    const entry: NumberedNotification = {
      id,
      type,
      notification: {
        kind: notification.kind,
        execution_id: notification.execution_id,
        action: notification.action,
      },
      // event_id: where a /ws client resumes from (`?last_event_id=`), as SSE's id: is.
      json: JSON.stringify({ id, event_id: this.eventId(id), type, ...notification }),
    };
    if (this.recent.length < REPLAY_WINDOW) {
      this.recent.push(entry);
    } else {
      this.recent[this.oldestIndex] = entry;
      this.oldestIndex = (this.oldestIndex + 1) % REPLAY_WINDOW;
    }
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: NotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastId(): number {
    return this.sequence;
  }

  /** The SSE event id of sequence number `id` on this stream. */
  eventId(id: number): string {
    return `${this.stream}-${id}`;
  }

  /** What a client that last saw `eventId` missed, if this stream still holds all of it. */
  resumeFrom(eventId: string): ResumePoint {
    const match = /^([0-9a-f]+)-(\d+)$/.exec(eventId.trim());
    if (!match || match[1] !== this.stream) {
      return { found: false, reason: `event id '${eventId}' is not from this notifier's stream` };
    }
    const seen = Number(match[2]);
    if (seen > this.sequence) {
      return { found: false, reason: `event id '${eventId}' is ahead of this stream` };
    }
    const oldest = this.sequence - this.recent.length + 1;
    if (seen < oldest - 1) {
      return {
        found: false,
        reason: `notifications after '${eventId}' are no longer kept (only the last ${REPLAY_WINDOW})`,
      };
    }
    return { found: true, missed: this.inOrder().filter((entry) => entry.id > seen) };
  }

  private inOrder(): NumberedNotification[] {
    return [...this.recent.slice(this.oldestIndex), ...this.recent.slice(0, this.oldestIndex)];
  }
}

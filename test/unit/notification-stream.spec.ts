import { randomUUID } from 'node:crypto';
import {
  InvalidFilterError,
  matchesFilter,
  parseNotificationFilter,
  QueryValue,
} from '../../src/roles/notifier/notification-filter';
import {
  Notification,
  NotificationHub,
  NumberedNotification,
  REPLAY_WINDOW,
} from '../../src/roles/notifier/notification-hub';

const notification = (overrides: Partial<Notification> = {}): Notification => ({
  kind: 'execution',
  execution_id: randomUUID(),
  action: 'core.echo',
  status: 'requested',
  correlation_id: randomUUID(),
  at: new Date().toISOString(),
  ...overrides,
});

const filterOf = (query: Record<string, QueryValue>) =>
  parseNotificationFilter((name) => query[name]);

const problemsOf = (query: Record<string, QueryValue>): string[] => {
  try {
    filterOf(query);
    return [];
  } catch (error) {
    return (error as InvalidFilterError).problems;
  }
};

describe('NotificationHub', () => {
  it('numbers notifications and sends each listener the flat JSON clients get', () => {
    const hub = new NotificationHub();
    const seen: NumberedNotification[] = [];
    const unsubscribe = hub.subscribe((entry) => seen.push(entry));
    const first = notification();
    hub.publish(first);
    hub.publish(notification({ status: 'scheduled' }));
    unsubscribe();
    hub.publish(notification());

    expect(seen.map((e) => e.id)).toEqual([1, 2]);
    expect(JSON.parse(seen[0].json)).toEqual({
      id: 1,
      event_id: hub.eventId(1),
      type: 'NotificationCreated',
      ...first,
    });
    expect(hub.lastId).toBe(3);
  });

  it('resumes after an event id of its own stream with what came after it', () => {
    const hub = new NotificationHub();
    for (let i = 0; i < 5; i++) hub.publish(notification());
    const resume = hub.resumeFrom(hub.eventId(2));
    expect(resume).toMatchObject({ found: true });
    expect(resume.found && resume.missed.map((e) => e.id)).toEqual([3, 4, 5]);
    const upToDate = hub.resumeFrom(hub.eventId(5));
    expect(upToDate.found && upToDate.missed).toEqual([]);
  });

  it('resumes only within the last REPLAY_WINDOW notifications, across the ring wrapping', () => {
    const hub = new NotificationHub();
    const total = REPLAY_WINDOW + 250;
    for (let i = 0; i < total; i++) hub.publish(notification());
    const oldestKept = total - REPLAY_WINDOW + 1;

    const edge = hub.resumeFrom(hub.eventId(oldestKept - 1));
    expect(edge.found && edge.missed.map((e) => e.id)).toEqual(
      Array.from({ length: REPLAY_WINDOW }, (_, i) => oldestKept + i),
    );
    const tooOld = hub.resumeFrom(hub.eventId(oldestKept - 2));
    expect(tooOld).toEqual({ found: false, reason: expect.stringMatching(/no longer kept/) });
  });

  it('refuses ids of another stream, ahead of this one, or malformed', () => {
    const hub = new NotificationHub();
    hub.publish(notification());
    const other = new NotificationHub();
    expect(hub.resumeFrom(other.eventId(1))).toMatchObject({ found: false });
    expect(hub.resumeFrom(hub.eventId(7))).toMatchObject({
      found: false,
      reason: expect.stringMatching(/ahead/),
    });
    expect(hub.resumeFrom('1')).toMatchObject({ found: false });
  });
});

describe('notification filters', () => {
  const entry = (n: Notification): NumberedNotification => ({
    id: 1,
    type: 'NotificationCreated',
    notification: n,
    json: '{}',
  });

  it('accepts everything without parameters', () => {
    expect(matchesFilter(filterOf({}), entry(notification()))).toBe(true);
  });

  it('matches any of the listed values and all of the parameters', () => {
    const a = notification({ action: 'core.echo' });
    const b = notification({ action: 'core.noop', kind: 'inquiry', inquiry_id: randomUUID() });
    const filter = filterOf({
      execution_id: [`${a.execution_id},${b.execution_id.toUpperCase()}`],
      action: 'core.noop',
      kind: 'inquiry',
      type: 'NotificationCreated',
    });
    expect(matchesFilter(filter, entry(a))).toBe(false);
    expect(matchesFilter(filter, entry(b))).toBe(true);
    expect(matchesFilter(filterOf({ action: ['core.echo', 'core.noop'] }), entry(a))).toBe(true);
  });

  it('lists every bad value', () => {
    expect(problemsOf({ execution_id: 'x', type: 'ExecutionRequested', kind: 'job' })).toEqual([
      'execution_id x is not a UUID',
      'type ExecutionRequested unknown; valid: NotificationCreated',
      'kind job unknown; valid: execution, inquiry',
    ]);
    expect(problemsOf({ action: ' , ' })).toEqual(['action must not be empty']);
  });
});

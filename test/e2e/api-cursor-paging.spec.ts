import { ApiSuite, send, startApiSuite, stopApiSuite } from '../support/api-suite';
import { fillHistory } from '../support/history';

// Cursor paging through the HTTP API (decision 020), on rows a long history leaves.
describe('api: lists page by cursor', () => {
  let suite: ApiSuite;
  const api = (path: string) => send(suite.app, 'GET', `/api/v1${path}`);

  beforeAll(async () => {
    suite = await startApiSuite('cursor', 'api');
    await fillHistory(suite.db, { count: 230, newestDaysAgo: 1, spanDays: 3, actions: 2 });
  });

  afterAll(() => stopApiSuite(suite));

  it('walks every matching row once, newest first, with next_cursor until the last page', async () => {
    const seen: string[] = [];
    let path = '/executions?action=hist.action_1&limit=50';
    const shapes: Array<{ total: unknown; offset: unknown; next: boolean }> = [];
    for (let pages = 0; pages < 10; pages++) {
      const { status, body } = await api(path);
      expect(status).toBe(200);
      seen.push(...body.items.map((item: { id: string }) => item.id));
      shapes.push({ total: body.total, offset: body.offset, next: body.next_cursor !== null });
      if (body.next_cursor === null) break;
      path = `/executions?action=hist.action_1&limit=50&cursor=${body.next_cursor}`;
    }
    // 115 rows of that action: 50, 50, 15; only the first (an offset page) counts them.
    expect(shapes).toEqual([
      { total: 115, offset: 0, next: true },
      { total: undefined, offset: undefined, next: true },
      { total: undefined, offset: undefined, next: false },
    ]);
    expect(new Set(seen).size).toBe(115);
    const { body: all } = await api('/executions?action=hist.action_1&limit=500');
    expect(seen).toEqual(all.items.map((item: { id: string }) => item.id));
    expect(all.total_is_estimate).toBe(false);
  });

  it('pages events and enforcements the same way', async () => {
    for (const list of ['/events', '/enforcements']) {
      const first = await api(`${list}?limit=200`);
      const rest = await api(`${list}?limit=200&cursor=${first.body.next_cursor}`);
      expect(rest.status).toBe(200);
      expect(first.body.items.length + rest.body.items.length).toBe(230);
      expect(rest.body.next_cursor).toBeNull();
    }
  });

  it('refuses a cursor it did not give out and a cursor with an offset (400)', async () => {
    const forged = Buffer.from(JSON.stringify(['tomorrow', 'x'])).toString('base64url');
    const bad = await api(`/executions?cursor=${forged}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/cursor is not one this list gave out/);
    expect((await api('/executions?cursor=not*base64')).status).toBe(400);
    const { body } = await api('/executions?limit=1');
    const both = await api(`/executions?limit=1&offset=5&cursor=${body.next_cursor}`);
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/cursor and offset cannot be used together/);
  });
});

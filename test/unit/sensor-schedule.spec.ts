import { deterministicUuid } from '../../src/common/deterministic-id';
import { isTickDue, latestTick } from '../../src/domain/sensor-schedule';

describe('timer ticks', () => {
  const at = (iso: string) => new Date(iso);

  it('aligns interval ticks to the epoch so every replica computes the same tick', () => {
    const config = { interval_ms: 5000 };
    expect(latestTick(config, at('2026-01-01T00:00:07.300Z'))).toEqual(
      at('2026-01-01T00:00:05.000Z'),
    );
    expect(latestTick(config, at('2026-01-01T00:00:05.000Z'))).toEqual(
      at('2026-01-01T00:00:05.000Z'),
    );
  });

  it('finds the latest cron occurrence, seconds field included', () => {
    const config = { cron: '*/15 * * * * *' };
    expect(latestTick(config, at('2026-01-01T00:00:20.000Z'))).toEqual(
      at('2026-01-01T00:00:15.000Z'),
    );
    expect(latestTick(config, at('2026-01-01T00:00:30.000Z'))).toEqual(
      at('2026-01-01T00:00:30.000Z'),
    );
    expect(latestTick({ cron: '0 * * * *' }, at('2026-01-01T10:59:59.000Z'))).toEqual(
      at('2026-01-01T10:00:00.000Z'),
    );
  });

  it('fires a tick once, and only while it is recent', () => {
    const tick = at('2026-01-01T00:00:05.000Z');
    const now = at('2026-01-01T00:00:05.500Z');
    expect(isTickDue(tick, null, now, 3000)).toBe(true);
    expect(isTickDue(tick, at('2026-01-01T00:00:00.000Z'), now, 3000)).toBe(true);
    expect(isTickDue(tick, tick, now, 3000)).toBe(false);
    expect(isTickDue(tick, null, at('2026-01-01T00:00:09.000Z'), 3000)).toBe(false);
  });
});

describe('deterministic ids', () => {
  it('gives the same UUID for the same name and different ones otherwise', () => {
    const a = deterministicUuid('sensor-1:2026-01-01T00:00:05.000Z');
    expect(a).toBe(deterministicUuid('sensor-1:2026-01-01T00:00:05.000Z'));
    expect(a).not.toBe(deterministicUuid('sensor-1:2026-01-01T00:00:10.000Z'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

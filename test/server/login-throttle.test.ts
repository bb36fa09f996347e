/** Failed logins per client address (login-throttle.ts): the rules, on a fake clock. */
import { describe, expect, it } from 'vitest';
import { LoginThrottle, MAX_FAILED_LOGIN_DELAY_MS, throttleKey } from '../../src/server/login-throttle.js';

function throttle(options: { maxFailures?: number; windowMs?: number; capacity?: number } = {}) {
  const clock = { now: 0 };
  const subject = new LoginThrottle({ maxFailures: options.maxFailures ?? 5, windowMs: options.windowMs ?? 60_000, baseDelayMs: 100 }, () => clock.now, options.capacity);
  return { subject, clock };
}

describe('LoginThrottle', () => {
  it('the delay doubles with the address failures, up to 16 times the base', () => {
    const { subject } = throttle();
    expect([1, 2, 3, 4, 5, 6, 50].map((failures) => subject.delayFor(failures))).toEqual([100, 200, 400, 800, 1600, 1600, 1600]);
  });

  it('the delay never outlasts a client\'s reply timeout (serve\'s default 1 s base would reach 16 s)', () => {
    const subject = new LoginThrottle({ maxFailures: 10, windowMs: 60_000, baseDelayMs: 1000 }, () => 0);
    expect([1, 2, 3, 4, 5, 6].map((failures) => subject.delayFor(failures))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(MAX_FAILED_LOGIN_DELAY_MS).toBeLessThan(10_000);
  });

  it('counts failures per address across sessions and locks the address out at the limit; others are not affected', () => {
    const { subject } = throttle({ maxFailures: 3 });
    expect([1, 2, 3].map(() => subject.recordFailure('192.0.2.1'))).toEqual([1, 2, 3]);
    expect(subject.locked('192.0.2.1')).toBe(true);
    expect(subject.locked('192.0.2.2')).toBe(false);
    expect(subject.failures('192.0.2.2')).toBe(0);
  });

  it('failures expire a window after the last one; refused attempts do not extend the lockout', () => {
    const { subject, clock } = throttle({ maxFailures: 2, windowMs: 10_000 });
    subject.recordFailure('192.0.2.1');
    clock.now = 5_000;
    subject.recordFailure('192.0.2.1');
    clock.now = 14_999;
    expect(subject.locked('192.0.2.1')).toBe(true);
    clock.now = 15_000;
    expect(subject.locked('192.0.2.1')).toBe(false);
    expect(subject.size).toBe(0);
  });

  it('an IPv6 client is counted per /64; IPv4 per address', () => {
    expect(throttleKey('2001:db8:1:2::1')).toBe(throttleKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(throttleKey('2001:db8:1:2::1')).not.toBe(throttleKey('2001:db8:1:3::1'));
    const { subject } = throttle({ maxFailures: 2 });
    subject.recordFailure('2001:db8:1:2::1');
    subject.recordFailure('2001:db8:1:2::99');
    expect(subject.locked('2001:db8:1:2::abcd')).toBe(true);
    expect(throttleKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it('tracks a bounded number of addresses: expired ones go first, then the least recently failed', () => {
    const { subject, clock } = throttle({ capacity: 3, windowMs: 1_000 });
    subject.recordFailure('192.0.2.1');
    clock.now = 500;
    subject.recordFailure('192.0.2.2');
    subject.recordFailure('192.0.2.3');
    clock.now = 1_200;
    // 192.0.2.1 has expired: it makes room.
    subject.recordFailure('192.0.2.4');
    expect(subject.size).toBe(3);
    expect(subject.failures('192.0.2.2')).toBe(1);
    subject.recordFailure('192.0.2.2');
    // None expired: the least recently failed (192.0.2.3) goes.
    subject.recordFailure('192.0.2.5');
    expect(subject.size).toBe(3);
    expect(subject.failures('192.0.2.3')).toBe(0);
    expect(subject.failures('192.0.2.2')).toBe(2);
    for (let index = 0; index < 10_000; index += 1) subject.recordFailure(`10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`);
    expect(subject.size).toBe(3);
  });

  it('one password check per address at a time; another address never waits; a record without failures is dropped', async () => {
    const { subject } = throttle();
    const order: string[] = [];
    const first = await subject.acquire('192.0.2.1');
    const second = subject.acquire('192.0.2.1').then((release) => (order.push('same address'), release));
    const other = subject.acquire('192.0.2.2').then((release) => (order.push('other address'), release));
    (await other)();
    await Promise.resolve();
    expect(order).toEqual(['other address']);
    first();
    first();
    (await second)();
    expect(order).toEqual(['other address', 'same address']);
    expect(subject.size).toBe(0);
  });
});

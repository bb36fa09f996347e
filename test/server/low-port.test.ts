/** Whether --active-source-port can work here, decided from /proc facts (pure table). */
import { describe, expect, it } from 'vitest';
import { canBindPort, lowPortFacts, type LowPortFacts } from '../../src/server/low-port.js';
import { run } from './helpers.js';

const linuxUser: LowPortFacts = { platform: 'linux', uid: 1000, capEff: '0000000000000000', unprivilegedPortStart: 1024 };

describe('canBindPort', () => {
  it.each<[string, number, LowPortFacts, 'yes' | 'no' | 'unknown']>([
    ['a high port always', 2121, linuxUser, 'yes'],
    ['root', 20, { ...linuxUser, uid: 0 }, 'yes'],
    ['plain user', 20, linuxUser, 'no'],
    ['CAP_NET_BIND_SERVICE (bit 10)', 20, { ...linuxUser, capEff: '0000000000000400' }, 'yes'],
    ['other capabilities only', 20, { ...linuxUser, capEff: '00000000000003ff' }, 'no'],
    ['unprivileged port start lowered to 0', 20, { ...linuxUser, unprivilegedPortStart: 0 }, 'yes'],
    ['unprivileged port start 21: port 20 still privileged', 20, { ...linuxUser, unprivilegedPortStart: 21 }, 'no'],
    ['/proc unreadable', 20, { ...linuxUser, capEff: undefined }, 'unknown'],
    ['not Linux', 20, { ...linuxUser, platform: 'darwin' }, 'unknown'],
  ])('%s', (_name, port, facts, expected) => expect(canBindPort(port, facts)).toBe(expected));

  it('reads this process', () => {
    const facts = lowPortFacts();
    expect(facts.platform).toBe(process.platform);
    if (process.platform === 'linux') expect(facts.capEff).toMatch(/^[0-9a-f]+$/);
  });
});

describe('serve --active-source-port 20', () => {
  const isRoot = process.getuid?.() === 0;
  const hasNobody = process.platform === 'linux' && isRoot;
  it.skipIf(!hasNobody)('as an unprivileged user: refused at start with exit 2 and one sentence', async () => {
    // setpriv drops to nobody with no capabilities (util-linux, present wherever tests run as root).
    const result = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--active-source-port', '20'], 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--active-source-port 20 needs root or the CAP_NET_BIND_SERVICE capability/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
  if (!hasNobody) console.warn('serve --active-source-port privilege test skipped: needs root on Linux to drop to an unprivileged user');
});

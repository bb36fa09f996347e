import { describe, expect, it } from 'vitest';
import { parseDemoFile, parseRange, parseUser, serveOptionsFromArguments } from '../../src/cli/serve-options.js';
import { UsageError } from '../../src/cli/errors.js';
import { demoBytes, demoStream } from '../../src/server/filesystem/demo-content.js';
import { resolveVirtualPath } from '../../src/server/filesystem/paths.js';
import { formatFacts, formatListDate, formatListLine, formatTimeVal } from '../../src/server/listing.js';
import { PassivePortAllocator } from '../../src/server/passive-ports.js';
import { stripListOptions } from '../../src/server/commands/listing.js';

describe('resolveVirtualPath', () => {
  it.each([
    ['/', 'pub', '/pub'],
    ['/pub', '..', '/'],
    ['/pub', '../../../etc/passwd', '/etc/passwd'],
    ['/', '/../..', '/'],
    ['/a/b', './c/../d/', '/a/b/d'],
    ['/', '%2e%2e/x', '/%2e%2e/x'],
    ['/', '//double//slash', '/double/slash'],
  ])('%s + %s → %s (never above the root)', (cwd, argument, expected) => {
    expect(resolveVirtualPath(cwd, argument)).toEqual({ ok: true, value: expected });
  });

  it.each(['a\0b', '..\\..\\windows', 'x'.repeat(2000)])('refuses %j', (argument) => {
    expect(resolveVirtualPath('/', argument).ok).toBe(false);
  });
});

describe('listing formats', () => {
  const modified = new Date(Date.UTC(2024, 0, 5, 13, 7, 9));
  it('LIST date: time for recent files, year for old ones', () => {
    expect(formatListDate(modified, new Date(Date.UTC(2024, 1, 1)))).toBe('Jan 05 13:07');
    expect(formatListDate(modified, new Date(Date.UTC(2025, 6, 1)))).toBe('Jan 05  2024');
  });
  it('LIST line and MLSx facts', () => {
    const entry = { name: 'a b.txt', type: 'file' as const, size: 42, modified };
    expect(formatListLine(entry, new Date(Date.UTC(2024, 1, 1)))).toBe('-rw-r--r-- 1 ftp ftp           42 Jan 05 13:07 a b.txt');
    expect(formatFacts(entry)).toBe('type=file;size=42;modify=20240105130709;perm=r; a b.txt');
    expect(formatTimeVal(modified)).toBe('20240105130709');
  });
  it('strips ls options from LIST arguments', () => {
    expect(stripListOptions('-la /pub')).toBe('/pub');
    expect(stripListOptions('-a')).toBe('');
    expect(stripListOptions('-l -a x')).toBe('x');
    expect(stripListOptions('file-name')).toBe('file-name');
  });
});

describe('PassivePortAllocator', () => {
  it('visits every port of the range once, in a non-sequential order, then reports exhaustion', async () => {
    const allocator = new PassivePortAllocator({ from: 50000, to: 50099 });
    const taken: number[] = [];
    for (let index = 0; index < 100; index += 1) {
      const result = await allocator.allocate(async (port) => ({ port }));
      expect(result).toBeDefined();
      taken.push(result!.port);
    }
    expect(new Set(taken).size).toBe(100);
    expect(taken.every((port) => port >= 50000 && port <= 50099)).toBe(true);
    expect(await allocator.allocate(async (port) => ({ port }))).toBeUndefined();
    allocator.release(taken[0]!);
    expect((await allocator.allocate(async (port) => ({ port })))?.port).toBe(taken[0]);
  });

  it('skips busy ports and gives up after trying each once', async () => {
    const allocator = new PassivePortAllocator({ from: 6000, to: 6009 });
    const tried: number[] = [];
    const result = await allocator.allocate(async (port) => {
      tried.push(port);
      return undefined;
    });
    expect(result).toBeUndefined();
    expect([...tried].sort((a, b) => a - b)).toEqual([6000, 6001, 6002, 6003, 6004, 6005, 6006, 6007, 6008, 6009]);
    expect(allocator.heldCount).toBe(0);
  });

  it('refuses an impossible range', () => {
    expect(() => new PassivePortAllocator({ from: 6000, to: 5000 })).toThrow();
  });
});

describe('demo content', () => {
  it('is deterministic, position-addressable and streams in pieces', async () => {
    expect(demoBytes(0, 16)).toEqual(demoBytes(0, 16));
    expect(demoBytes(1000, 10)).toEqual(demoBytes(990, 30).subarray(10, 20));
    const chunks: Buffer[] = [];
    for await (const chunk of demoStream(3_000_000, 5)) chunks.push(chunk as Buffer);
    expect(chunks.length).toBeGreaterThan(1);
    // Buffer.equals, not toEqual: a deep comparison of 3 MB byte by byte took tens of seconds on a
    // loaded machine.
    const whole = Buffer.concat(chunks);
    expect(whole.length).toBe(2_999_995);
    expect(whole.equals(demoBytes(5, 2_999_995))).toBe(true);
  });
});

describe('serve arguments', () => {
  it.each([
    [() => parseRange('6000-5000', '--pasv-range'), /not be above/],
    [() => parseRange('abc', '--pasv-range'), /must look like/],
    [() => parseRange('0-10', '--pasv-range'), /from 1 to 65535/],
    [() => parseUser('bob', '--user'), /NAME:PASSWORD/],
    [() => parseUser(':pw', '--user'), /NAME:PASSWORD/],
    [() => parseDemoFile('x.bin'), /PATH:BYTES/],
    [() => serveOptionsFromArguments({ port: 70000 }), /port number/],
    [() => serveOptionsFromArguments({ writable: true }), /needs --root/],
    [() => serveOptionsFromArguments({ tls: 'explicit', cert: '/nonexistent.pem', key: '/nonexistent.key' }), /no such readable file/],
    [() => serveOptionsFromArguments({ cert: 'a' }), /go together/],
    [() => serveOptionsFromArguments({ requireTls: true }), /needs --tls/],
    [() => serveOptionsFromArguments({ externalIp: 'example.com' }), /IPv4/],
  ])('bad input → UsageError %#', (call, message) => {
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });

  it('parses a full set', () => {
    const options = serveOptionsFromArguments({
      port: 0,
      pasvRange: '5000-5010',
      user: ['alice:s3:cret'],
      demoFile: ['big/file.bin:100MiB'],
      misbehaveRefuseEpsv: true,
      tls: 'implicit',
    });
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      pasvRange: { from: 5000, to: 5010 },
      users: [{ name: 'alice', password: 's3:cret' }],
      demoFiles: { 'big/file.bin': 100 * 1024 * 1024 },
      misbehave: { refuseEpsv: true },
      tls: 'implicit',
    });
    expect(serveOptionsFromArguments({ tls: 'implicit' }).port).toBe(990);
  });
});

/** Where a capture was taken (handshake timings), what its limits say, and detection by magic (pure). */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureLimits } from '../../src/capture/limits.js';
import { captureFormatOf, PCAP_READER, PCAPNG_READER } from '../../src/capture/reader.js';
import { guessVantage, vantageOfHandshake } from '../../src/capture/vantage.js';
import { READERS } from '../../src/explain/readers.js';

const ends = { client: { host: '192.168.1.10', port: 40000 }, server: { host: '203.0.113.5', port: 21 } };
// At the client: 40 ms until the SYN-ACK, the ACK right after. At the server: the reverse.
const atClient = { ...ends, handshake: { synUs: 0, synAckUs: 40_000, ackUs: 40_050 } };
const atServer = { ...ends, handshake: { synUs: 0, synAckUs: 30, ackUs: 40_030 } };

describe('vantage from handshake timings', () => {
  it.each([
    ['client', atClient],
    ['server', atServer],
    ['unknown', { ...ends, handshake: { synUs: 0, synAckUs: 100, ackUs: 150 } }],
    ['unknown', ends],
    ['same-host', { client: { host: '127.0.0.1', port: 1 }, server: { host: '127.0.0.1', port: 21 } }],
  ] as const)('%s', (expected, timing) => {
    expect(vantageOfHandshake(timing)).toBe(expected);
  });

  it('most sessions decide; a tie is unknown', () => {
    expect(guessVantage([atClient, atClient, atServer])).toBe('client');
    expect(guessVantage([atClient, atServer])).toBe('unknown');
    expect(guessVantage([])).toBe('unknown');
  });
});

describe('limits of a capture', () => {
  const counts = { segments: 10, skippedFrames: 0, skipReasons: {}, connections: 1, unrelated: 0, evicted: 0, evictedFtp: 0, sessionsNotKept: 0 };
  it('at the client: cannot tell an edge firewall from the server\'s own', () => {
    expect(captureLimits({ vantage: 'client', sessions: [], counts, frames: 10, controlPorts: [] }).join('\n')).toMatch(/edge firewall.*server's own/s);
  });
  it('no session found names the ports looked at and --port', () => {
    expect(captureLimits({ vantage: 'unknown', sessions: [], counts, frames: 10, controlPorts: [2121] }).join('\n')).toContain('ports 21, 990, 2121');
  });
});

describe('capture formats by magic', () => {
  const pcapHead = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');
  const pcapngHead = Buffer.concat([Buffer.from('0a0d0d0a1c0000004d3c2b1a', 'hex'), Buffer.alloc(16)]);
  it('pcap, pcapng, and each gzip\'d; text is neither', () => {
    expect(captureFormatOf(pcapHead)).toBe('pcap');
    expect(captureFormatOf(pcapngHead)).toBe('pcapng');
    expect(captureFormatOf(gzipSync(Buffer.concat([pcapngHead, Buffer.alloc(4096)])).subarray(0, 64))).toBe('pcapng');
    expect(captureFormatOf(gzipSync(pcapHead))).toBe('pcap');
    expect(captureFormatOf(Buffer.from('220 (vsFTPd 3.0.5)\r\n'))).toBeUndefined();
    expect(captureFormatOf(gzipSync(Buffer.from('hello')))).toBeUndefined();
  });
  it('the readers are registered for explain and each claims only its own format', () => {
    expect(READERS).toContain(PCAP_READER);
    expect(READERS).toContain(PCAPNG_READER);
    expect([PCAP_READER.detect(pcapHead, 'x.pcapng'), PCAPNG_READER.detect(pcapHead, 'x.pcapng')]).toEqual([1, 0]);
  });
});

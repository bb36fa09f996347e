import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/report/model.js';
import { Conntrack, type Track } from '../../src/net/sim/conntrack.js';
import { observeSegment, rewriteSegment } from '../../src/net/sim/ftp-segment.js';
import { FtpInspector } from '../../src/net/sim/helper.js';

const segment = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('observeSegment (what a helper recognises in one segment)', () => {
  it.each([
    ['227 at the start', 'server', '227 Entering Passive Mode (10,0,0,5,21,124).\r\n', { kind: 'pasv', host: '10.0.0.5', port: 5500 }],
    ['227 without parentheses', 'server', '227 =10,0,0,5,21,124\r\n', { kind: 'pasv', host: '10.0.0.5', port: 5500 }],
    ['229', 'server', '229 Entering Extended Passive Mode (|||5501|)\r\n', { kind: 'epsv', port: 5501 }],
    ['PORT', 'client', 'PORT 198,51,100,10,156,64\r\n', { kind: 'port', host: '198.51.100.10', port: 40000 }],
    ['lower-case port', 'client', 'port 198,51,100,10,156,64\r\n', { kind: 'port', host: '198.51.100.10', port: 40000 }],
    ['EPRT', 'client', 'EPRT |1|198.51.100.10|40000|\r\n', { kind: 'eprt', host: '198.51.100.10', port: 40000 }],
    ['AUTH TLS', 'client', 'AUTH TLS\r\n', { kind: 'auth-tls', command: 'AUTH TLS' }],
    ['AUTH SSL', 'client', 'AUTH SSL\r\n', { kind: 'auth-tls', command: 'AUTH SSL' }],
  ] as const)('recognises %s', (_name, sender, text, expected) => {
    expect(observeSegment(segment(text), sender, { epsv: true })).toMatchObject(expected);
  });

  it.each([
    ['a 227 that does not start the segment', 'server', '150 Here it comes\r\n227 Entering Passive Mode (10,0,0,5,21,124)\r\n'],
    ['a 227- continuation line', 'server', '227-Entering Passive Mode (10,0,0,5,21,124)\r\n227 ok\r\n'],
    ['an incomplete line', 'server', '227 Entering Passive Mode (10,0,0,5,21,124)'],
    ['a 227 from the client', 'client', '227 Entering Passive Mode (10,0,0,5,21,124)\r\n'],
    ['a PORT from the server', 'server', 'PORT 198,51,100,10,156,64\r\n'],
    ['a PORT with a bad argument', 'client', 'PORT 198,51,100,300,156,64\r\n'],
    ['a 229 with an address field', 'server', '229 Entering Extended Passive Mode (|1|10.0.0.5|5501|)\r\n'],
    ['AUTH with another mechanism', 'client', 'AUTH GSSAPI\r\n'],
  ] as const)('ignores %s', (_name, sender, text) => {
    expect(observeSegment(segment(text), sender, { epsv: true })).toBeUndefined();
  });

  it('ignores 229 and EPRT when the helper does not know EPSV', () => {
    expect(observeSegment(segment('229 Entering Extended Passive Mode (|||5501|)\r\n'), 'server', { epsv: false })).toBeUndefined();
    expect(observeSegment(segment('EPRT |1|198.51.100.10|40000|\r\n'), 'client', { epsv: false })).toBeUndefined();
    expect(observeSegment(segment('227 Entering Passive Mode (10,0,0,5,21,124)\r\n'), 'server', { epsv: false })).toMatchObject({ kind: 'pasv' });
  });

  it('finds nothing in TLS ciphertext', () => {
    for (let round = 0; round < 200; round += 1) {
      const garbage = Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x40]), randomBytes(64)]);
      expect(observeSegment(garbage, 'server', { epsv: true })).toBeUndefined();
      expect(observeSegment(garbage, 'client', { epsv: true })).toBeUndefined();
    }
  });

  it.each([
    ['227', 'server', '227 Entering Passive Mode (10,0,0,5,21,124).\r\n', '198.51.100.1', '227 Entering Passive Mode (198,51,100,1,21,124).\r\n'],
    ['PORT', 'client', 'PORT 198,51,100,10,156,64\r\n', '10.0.0.100', 'PORT 10,0,0,100,156,64\r\n'],
    ['EPRT', 'client', 'EPRT |1|198.51.100.10|40000|\r\n', '10.0.0.100', 'EPRT |1|10.0.0.100|40000|\r\n'],
  ] as const)('rewrites the address in %s, changing the segment length', (_name, sender, text, host, expected) => {
    const observation = observeSegment(segment(text), sender, { epsv: true });
    if (!observation || observation.kind === 'epsv' || observation.kind === 'auth-tls') throw new Error('not observed');
    expect(rewriteSegment(segment(text), observation, host, observation.port).toString('latin1')).toBe(expected);
  });
});

/** A control connection through a DNAT + SNAT edge: client dialled 198.51.100.1:21, server is 10.0.0.5. */
const natted: Track = {
  label: '198.51.100.10:40000 -> 198.51.100.1:21',
  original: { src: { address: '198.51.100.10', port: 40000 }, dst: { address: '198.51.100.1', port: 21 } },
  reply: { src: { address: '10.0.0.5', port: 21 }, dst: { address: '10.0.0.100', port: 40000 } },
};

function inspector(options: { rewrite?: boolean; epsv?: boolean; blockAuthTls?: boolean } = {}) {
  const conntrack = new Conntrack();
  const trace: Omit<TraceEntry, 't'>[] = [];
  const helper = new FtpInspector(
    { ...(options.epsv !== undefined ? { epsv: options.epsv } : {}), ...(options.blockAuthTls ? { blockAuthTls: true } : {}) },
    natted,
    { at: 'edge firewall', conntrack, rewrite: options.rewrite ?? false, record: (entry) => trace.push(entry) },
  );
  return { conntrack, trace, helper };
}

describe('FtpInspector (nf_conntrack_ftp + nf_nat_ftp)', () => {
  it('expects the data connection announced by a 227 at the address the client dialled', () => {
    const { conntrack, helper, trace } = inspector();
    helper.inspect(segment('227 Entering Passive Mode (10,0,0,5,21,124)\r\n'), 'server');
    expect(conntrack.pending()).toEqual([expect.objectContaining({ src: '198.51.100.10', dst: { address: '198.51.100.1', port: 5500 } })]);
    expect(conntrack.pending()[0]?.translate).toBeUndefined();
    expect(trace).toEqual([expect.objectContaining({ decision: 'expect', at: 'edge firewall' })]);
  });

  it('with rewriting, changes the 227 text and translates the expectation back to the server', () => {
    const { conntrack, helper, trace } = inspector({ rewrite: true });
    const out = helper.inspect(segment('227 Entering Passive Mode (10,0,0,5,21,124)\r\n'), 'server');
    expect(out.segment.toString()).toBe('227 Entering Passive Mode (198,51,100,1,21,124)\r\n');
    expect(conntrack.pending()[0]?.translate).toEqual({ address: '10.0.0.5', port: 5500 });
    expect(trace.map((entry) => entry.decision)).toEqual(['expect', 'rewrite']);
  });

  it('rewrites PORT to the source NAT address', () => {
    const { conntrack, helper } = inspector({ rewrite: true });
    const out = helper.inspect(segment('PORT 198,51,100,10,156,65\r\n'), 'client');
    expect(out.segment.toString()).toBe('PORT 10,0,0,100,156,65\r\n');
    expect(conntrack.pending()[0]).toMatchObject({ src: '10.0.0.5', dst: { address: '10.0.0.100', port: 40001 }, translate: { address: '198.51.100.10', port: 40001 } });
  });

  it('does not record a 227 naming another address than the server (loose=0)', () => {
    const { conntrack, helper, trace } = inspector({ rewrite: true });
    const out = helper.inspect(segment('227 Entering Passive Mode (203,0,113,7,21,124)\r\n'), 'server');
    expect(out.segment.toString()).toContain('203,0,113,7');
    expect(conntrack.pending()).toEqual([]);
    expect(trace[0]?.detail).toMatch(/not recorded/);
  });

  it('uses the control connection address for 229, and ignores it when epsv is off', () => {
    const on = inspector();
    on.helper.inspect(segment('229 Entering Extended Passive Mode (|||5501|)\r\n'), 'server');
    expect(on.conntrack.pending()[0]?.dst).toEqual({ address: '198.51.100.1', port: 5501 });
    const off = inspector({ epsv: false });
    off.helper.inspect(segment('229 Entering Extended Passive Mode (|||5501|)\r\n'), 'server');
    expect(off.conntrack.pending()).toEqual([]);
  });

  it('only parses a segment that follows a newline in its direction', () => {
    const { conntrack, helper } = inspector();
    helper.inspect(segment('230 Logged in, and this reply is split'), 'server');
    helper.inspect(segment('227 Entering Passive Mode (10,0,0,5,21,124)\r\n'), 'server');
    expect(conntrack.pending()).toEqual([]);
    // The previous segment ended the line, so the next 227 parses; the client direction is separate.
    helper.inspect(segment('227 Entering Passive Mode (10,0,0,5,21,125)\r\n'), 'server');
    expect(conntrack.pending().map((expectation) => expectation.dst.port)).toEqual([5501]);
  });

  it('is blind to a TLS-encrypted control channel, and reads again after plaintext resumes on a line start', () => {
    const { conntrack, helper } = inspector();
    helper.inspect(segment('234 AUTH TLS OK\r\n'), 'server');
    const record = Buffer.concat([Buffer.from([0x17, 0x03, 0x03, 0x00, 0x30]), randomBytes(47), Buffer.from([0x0a])]);
    helper.inspect(record, 'server');
    expect(conntrack.pending()).toEqual([]);
    helper.inspect(segment('227 Entering Passive Mode (10,0,0,5,21,124)\r\n'), 'server');
    expect(conntrack.pending().map((expectation) => expectation.dst.port)).toEqual([5500]);
  });

  it('blockAuthTls resets the control connection on AUTH TLS, and only then', () => {
    const blocking = inspector({ blockAuthTls: true });
    expect(blocking.helper.inspect(segment('AUTH TLS\r\n'), 'client').reset).toBeDefined();
    expect(blocking.trace[0]).toMatchObject({ decision: 'reject', rule: 'ftp helper: AUTH TLS blocked' });
    expect(inspector().helper.inspect(segment('AUTH TLS\r\n'), 'client').reset).toBeUndefined();
  });
});

describe('Conntrack expectations', () => {
  it('are one-shot and die with their master', () => {
    const conntrack = new Conntrack();
    conntrack.expect({ src: '198.51.100.10', dst: { address: '10.0.0.5', port: 5500 }, master: natted, reason: 'test' });
    conntrack.expect({ src: '198.51.100.10', dst: { address: '10.0.0.5', port: 5501 }, master: natted, reason: 'test' });
    expect(conntrack.take({ address: '198.51.100.99', port: 1 }, { address: '10.0.0.5', port: 5500 })).toBeUndefined();
    expect(conntrack.take({ address: '198.51.100.10', port: 1 }, { address: '10.0.0.5', port: 5500 })).toBeDefined();
    expect(conntrack.take({ address: '198.51.100.10', port: 2 }, { address: '10.0.0.5', port: 5500 })).toBeUndefined();
    conntrack.forget(natted);
    expect(conntrack.pending()).toEqual([]);
  });
});

/** Step ids: one format written by the probe and read by the renderers, check and the scenario backends. */
import { describe, expect, it } from 'vitest';
import { modeSessionName, modeStepId, parseStepId } from '../../src/evidence/record.js';

describe('step ids', () => {
  it.each([
    ['connect', { kind: 'control', session: 'main' }],
    ['login', { kind: 'control', session: 'main' }],
    ['data:pasv', { kind: 'data', session: 'pasv' }],
    ['data:epsv:tls', { kind: 'data', session: 'epsv:tls' }],
    ['retr:port:tls', { kind: 'retr', session: 'port:tls' }],
    ['datagram', { kind: 'control', session: 'main' }],
    [':pasv', { kind: 'control', session: 'main' }],
  ])('%s', (id, parts) => {
    expect(parseStepId(id)).toEqual(parts);
  });

  it('what the probe writes reads back', () => {
    for (const tls of [false, true]) {
      const session = modeSessionName('eprt', tls);
      expect(session).toBe(tls ? 'eprt:tls' : 'eprt');
      expect(parseStepId(modeStepId('data', session))).toEqual({ kind: 'data', session });
      expect(parseStepId(modeStepId('retr', session))).toEqual({ kind: 'retr', session });
    }
  });
});

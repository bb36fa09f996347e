/**
 * An ABOR the client sent while its transfer was going well is the client's own doing only when the
 * client's log says so (no timeout before it); a server's log or a capture cannot tell a client that
 * stopped on a local error from one whose transfer stalled, so there the ABOR decides nothing.
 */
import { describe, expect, it } from 'vitest';
import { assembleEvidence } from '../../../src/evidence/assemble.js';
import type { ObservedEvent, ObservedSession } from '../../../src/evidence/observed.js';
import type { SourceDeclaration } from '../../../src/evidence/source.js';

const source = (vantage: SourceDeclaration['vantage']): SourceDeclaration => ({ kind: 'log', label: `${vantage} log`, vantage, controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false });

let line = 0;
const at = () => ({ source: 'log' as const, file: 'abor.log', line: ++line });
const command = (text: string): ObservedEvent => ({ kind: 'command', text, at: at() });
const reply = (code: number, message: string): ObservedEvent => ({ kind: 'reply', code, message, at: at() });
const data = (outcome: 'connected'): ObservedEvent => ({ kind: 'data', to: { host: '127.0.0.1', port: 50107 }, outcome, openedBy: 'client', at: at() });
const timeout = (): ObservedEvent => ({ kind: 'note', meaning: 'data-timeout', text: 'Timeout - reconnecting', at: at() });

const session = (...events: ObservedEvent[]): ObservedSession => ({
  id: 'abor.log#1',
  server: { host: '127.0.0.1', port: 21 },
  events: [reply(220, 'ready'), command('USER a'), reply(331, 'pw'), command('PASS ****'), reply(230, 'ok'), command('PASV'), reply(227, 'Entering Passive Mode (127,0,0,1,195,187)'), ...events],
});

describe('ABOR from the client', () => {
  it("a client's log: ABOR after the 150 with the data connection open and no timeout is the client's abort", () => {
    const [attempt] = assembleEvidence(session(data('connected'), command('RETR README.txt'), reply(150, 'Opening'), command('ABOR')), source('client')).attempts;
    expect(attempt?.unfinished?.what).toBe('was aborted by the client');
  });

  it("a client's log: ABOR after the client's own timeout stays the timeout", () => {
    const [attempt] = assembleEvidence(session(data('connected'), command('RETR README.txt'), reply(150, 'Opening'), timeout(), command('ABOR')), source('client')).attempts;
    expect(attempt?.unfinished).toBeUndefined();
    expect(attempt?.transfer.outcome).toBe('timeout');
  });

  it("a server's log: the same ABOR says nothing of why the client stopped", () => {
    const [attempt] = assembleEvidence(session(data('connected'), command('RETR README.txt'), reply(150, 'Opening'), command('ABOR'), reply(426, 'aborted')), source('server')).attempts;
    expect(attempt?.unfinished).toBeUndefined();
  });
});

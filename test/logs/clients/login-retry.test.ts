/**
 * A login retried in one session (trial 5 #20, a raw client against a server that delays its 530):
 * USER, 331, PASS (wrong), USER again before the 530 came, then 530, PASS, 331, 230. The replies
 * outrun the commands they answer; the last login reply (230) decides, not the 331 that happened to
 * answer the second PASS. The order is the capture's (tshark on /tmp/t5/pw3/pw.pcap, frames 73-86).
 */
import { describe, expect, it } from 'vitest';
import { assembleEvidence } from '../../../src/evidence/assemble.js';
import type { ObservedEvent, ObservedSession } from '../../../src/evidence/observed.js';
import type { SourceDeclaration } from '../../../src/evidence/source.js';
import { diagnose } from '../../../src/diagnosis/index.js';

const CLIENT_LOG: SourceDeclaration = { kind: 'log', label: 'client log', vantage: 'client', controlledExperiment: false, referenceServerProof: false, packets: false, timings: false, actedItself: false };

let line = 0;
const at = () => ({ source: 'log' as const, file: 'retry.log', line: ++line });
const command = (text: string): ObservedEvent => ({ kind: 'command', text, at: at() });
const reply = (code: number, message: string): ObservedEvent => ({ kind: 'reply', code, message, at: at() });

describe('login retried in one session', () => {
  it('530 to the first attempt, 230 to the second (pipelined): logged in, no LOGIN_FAILED quoting a 331', () => {
    const session: ObservedSession = {
      id: 'retry.log#1',
      server: { host: '127.0.0.1', port: 21 },
      events: [
        reply(220, 'ready.'),
        command('USER eve'),
        reply(331, 'Please specify the password.'),
        command('PASS ****'),
        command('USER eve'),
        reply(530, 'Login incorrect.'),
        command('PASS ****'),
        reply(331, 'Please specify the password.'),
        reply(230, 'Login successful.'),
        command('QUIT'),
        reply(221, 'Goodbye.'),
      ],
    };
    const evidence = assembleEvidence(session, CLIENT_LOG);
    expect(evidence.login?.ok).toBe(true);
    expect(evidence.login?.passReply?.code).toBe(230);
    expect(diagnose(evidence).findings.map((finding) => finding.code)).not.toContain('LOGIN_FAILED');
  });

  it('the same retry ending in 530: refused, quoting the 530', () => {
    const session: ObservedSession = {
      id: 'retry.log#2',
      server: { host: '127.0.0.1', port: 21 },
      events: [reply(220, 'ready.'), command('USER eve'), reply(331, 'Password?'), command('PASS ****'), command('USER eve'), reply(530, 'Login incorrect.'), command('PASS ****'), reply(331, 'Password?'), reply(530, 'Login incorrect.')],
    };
    const evidence = assembleEvidence(session, CLIENT_LOG);
    expect(evidence.login?.ok).toBe(false);
    const failed = diagnose(evidence).findings.find((finding) => finding.code === 'LOGIN_FAILED');
    expect(failed?.title).toMatch(/530/);
  });
});

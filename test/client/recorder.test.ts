import { describe, expect, it } from 'vitest';
import { CONNECTIONS_PER_SESSION, Recorder, TRANSCRIPT_LINES_PER_SESSION } from '../../src/client/recorder.js';
import type { ConnectionEvent } from '../../src/report/model.js';

const event = (session: string, index: number): ConnectionEvent => ({ t: index, durationMs: 1, session, purpose: 'data', from: 'client', to: `127.0.0.1:${1000 + index}`, outcome: 'refused' });

describe('Recorder limits', () => {
  it('keeps at most the limit of lines per session, then one marker that counts what was dropped', () => {
    const recorder = new Recorder(() => 0);
    for (let index = 0; index < TRANSCRIPT_LINES_PER_SESSION + 500; index += 1) recorder.line('a', 'control', '<', `line ${index}`);
    recorder.line('b', 'control', '<', 'other session');
    const lines = recorder.transcript.filter((line) => line.session === 'a');
    expect(lines).toHaveLength(TRANSCRIPT_LINES_PER_SESSION + 1);
    expect(lines[TRANSCRIPT_LINES_PER_SESSION - 1]?.text).toBe(`line ${TRANSCRIPT_LINES_PER_SESSION - 1}`);
    expect(lines.at(-1)).toMatchObject({ direction: '*', text: expect.stringMatching(/^… 500 lines dropped/) });
    // Another session has its own budget.
    expect(recorder.transcript.at(-1)?.text).toBe('other session');
  });

  it('keeps at most the limit of connection records per session and says how many were dropped', () => {
    const recorder = new Recorder(() => 0);
    for (let index = 0; index < CONNECTIONS_PER_SESSION + 7; index += 1) recorder.connection(event('a', index));
    recorder.connection(event('b', 0));
    expect(recorder.connections.filter((item) => item.session === 'a')).toHaveLength(CONNECTIONS_PER_SESSION);
    expect(recorder.connections.filter((item) => item.session === 'b')).toHaveLength(1);
    expect(recorder.transcript.filter((line) => line.session === 'a').at(-1)?.text).toMatch(/7 connection records dropped/);
  });

  it('below the limits nothing is dropped and no marker is written', () => {
    const recorder = new Recorder(() => 0);
    recorder.line('a', 'control', '>', 'USER x');
    recorder.connection(event('a', 0));
    expect(recorder.transcript).toHaveLength(1);
    expect(recorder.connections).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { parseModes, parsePortRange, parseTarget, ProbeOptionError } from '../../src/probe/options.js';
import { describeAttempt } from '../../src/probe/describe.js';
import type { DataAttempt } from '../../src/evidence/model.js';

describe('parseTarget', () => {
  it.each([
    ['ftp://example.net/', { scheme: 'ftp', host: 'example.net', port: 21, tls: 'none', user: 'anonymous' }],
    ['ftpes://example.net', { scheme: 'ftpes', port: 21, tls: 'explicit' }],
    ['ftps://example.net', { scheme: 'ftps', port: 990, tls: 'implicit' }],
    ['ftp://bob:pw@10.0.0.5:2121/pub', { host: '10.0.0.5', port: 2121, user: 'bob', password: 'pw', path: '/pub', display: 'ftp://bob@10.0.0.5:2121/pub' }],
    ['ftp://[::1]:2121/', { host: '::1', display: 'ftp://[::1]:2121/' }],
    ['ftp://a%40b:p%3Aw@host/', { user: 'a@b', password: 'p:w' }],
  ])('%s', (url, expected) => {
    expect(parseTarget({ url })).toMatchObject(expected);
  });

  it('never keeps the password in the display form', () => {
    expect(parseTarget({ url: 'ftp://bob:hunter2@host/' }).display).not.toContain('hunter2');
  });

  it('lets --user/--password/--tls override the URL', () => {
    expect(parseTarget({ url: 'ftp://bob:x@host/', user: 'carol', password: 'y', tls: 'explicit' })).toMatchObject({ user: 'carol', password: 'y', tls: 'explicit' });
  });

  it.each(['http://host/', 'sftp://host/', 'not a url', 'ftp://'])('refuses %s', (url) => {
    expect(() => parseTarget({ url })).toThrow(ProbeOptionError);
  });

  it('does not echo a password in its error', () => {
    expect(() => parseTarget({ url: 'ftp//bob:hunter2@host' })).toThrow(/^(?!.*hunter2)/);
  });
});

describe('parsePortRange / parseModes', () => {
  it.each([
    ['50000-50100', { from: 50000, to: 50100 }],
    [' 21 - 21 ', { from: 21, to: 21 }],
    ['5000', { from: 5000, to: 5000 }],
  ])('range %s', (text, expected) => expect(parsePortRange(text)).toEqual(expected));
  it.each(['0-10', '10-5', '1-70000', 'a-b', ''])('bad range %s', (text) => expect(() => parsePortRange(text)).toThrow(ProbeOptionError));
  it.each([
    ['epsv,pasv', ['epsv', 'pasv']],
    ['PASV, port', ['pasv', 'port']],
    ['all', ['epsv', 'pasv', 'port', 'eprt']],
    ['eprt,epsv,eprt', ['epsv', 'eprt']],
  ])('modes %s', (text, expected) => expect(parseModes(text)).toEqual(expected));
  it.each(['', 'pasv,ftp', 'active'])('bad modes %s', (text) => expect(() => parseModes(text)).toThrow(ProbeOptionError));
});

describe('describeAttempt', () => {
  const base: DataAttempt = { mode: 'pasv', tls: false, session: 'pasv', command: 'PASV', transfer: { outcome: 'not-started', bytes: 0, durationMs: 0 } };
  it('decodes the 227 and says where we dialled', () => {
    const text = describeAttempt({
      ...base,
      modeReply: { code: 227, message: 'Entering Passive Mode (10,0,0,5,195,80).', at: 1 },
      advertised: { host: '10.0.0.5', port: 50000 },
      dialed: { host: '203.0.113.7', port: 50000 },
      connect: { outcome: 'timeout', durationMs: 300 },
    });
    expect(text).toBe('227 (10,0,0,5,195,80) → 10.0.0.5:50000; dialled 203.0.113.7:50000: timeout after 300 ms');
  });
  it('says when the server refused the mode', () => {
    expect(describeAttempt({ ...base, mode: 'epsv', command: 'EPSV', modeReply: { code: 502, message: 'EPSV not implemented', at: 1 } })).toBe('EPSV refused: 502 EPSV not implemented');
  });
  it('flags a port the server did not send', () => {
    const text = describeAttempt({ ...base, modeReply: { code: 227, message: '(10,0,0,5,195,81) [sent bj.a.a.f port faaaa]', at: 1 }, advertised: { host: '10.0.0.5', port: 50001 }, sentByServer: { host: '10.0.0.5', port: 50000 } });
    expect(text).toContain('server sent port 50000');
  });
});

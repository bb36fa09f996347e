/**
 * Property-based tests (fast-check): every parser that reads untrusted text never throws (or only
 * its own typed error) and only ever returns values that make sense; and the server's session
 * state machine, driven over a real socket by random command sequences, gives every command
 * exactly one final reply that matches a small model of the session, says nothing before its
 * greeting, and never crashes. Run counts are fixed (NUM_RUNS) so the figures are reproducible.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandLineReader, encodeCommand, parseCommandLine, UnsafeArgumentError } from '../../src/ftp/command.js';
import { parseDataToken, parseSentTag, formatDataToken } from '../../src/ftp/evidence.js';
import { classifyAddress, normalizeAddress, sameAddress } from '../../src/ftp/address.js';
import { parseEprtArgument, parseEpsvReply, parsePasvReply, parsePortArgument } from '../../src/ftp/passive.js';
import { MalformedReplyError, parseReplies, ReplyTooLargeError } from '../../src/ftp/reply.js';
import { resolveVirtualPath } from '../../src/server/filesystem/paths.js';
import { parseModes, parsePortRange, parseTarget, ProbeOptionError } from '../../src/probe/options.js';
import { RawClient, serve, type TestServer } from '../server/helpers.js';
import { guardUncaught } from './helpers.js';

export const NUM_RUNS = { parser: 2000, session: 60 } as const;
const parserRuns = { numRuns: NUM_RUNS.parser };

/** Text a hostile peer could send: any unicode, plus strings biased towards protocol characters. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'0123456789,()|!-= \r\n\0.:/\\%aZ'.split('')), maxLength: 120 }),
);

function ipv4Ok(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => /^\d+$/.test(part) && Number(part) <= 255);
}

describe(`parsers never throw on hostile text (${NUM_RUNS.parser} runs each)`, () => {
  it('PASV reply: a valid IPv4 address and a port 1-65535, or a typed error', () =>
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parsePasvReply(text);
        if (result.ok) return ipv4Ok(result.value.host) && result.value.port >= 1 && result.value.port <= 65535;
        return typeof result.error === 'string' && result.error.length > 0;
      }),
      parserRuns,
    ));

  it('EPSV reply: a port 1-65535, or a typed error', () =>
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseEpsvReply(text);
        return result.ok ? Number.isInteger(result.value) && result.value >= 1 && result.value <= 65535 : result.error.startsWith('229 reply');
      }),
      parserRuns,
    ));

  it('PORT and EPRT arguments: valid address and port, family matching, or a typed error', () =>
    fc.assert(
      fc.property(hostileText, (text) => {
        const port = parsePortArgument(text);
        if (port.ok && !(ipv4Ok(port.value.host) && port.value.port >= 1 && port.value.port <= 65535)) return false;
        const eprt = parseEprtArgument(text);
        if (eprt.ok) return net.isIP(eprt.value.host) === eprt.value.family && eprt.value.port >= 1 && eprt.value.port <= 65535;
        return true;
      }),
      parserRuns,
    ));

  it('reply stream: complete replies with three-digit codes, a bounded rest, or one of its two typed errors', () =>
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 16, max: 256 }), (text, limit) => {
        try {
          const { replies, rest } = parseReplies(text, limit);
          return rest.length <= limit && replies.every((reply) => reply.code >= 100 && reply.code <= 999 && reply.lines.length >= 1);
        } catch (error) {
          return error instanceof ReplyTooLargeError || error instanceof MalformedReplyError;
        }
      }),
      parserRuns,
    ));

  it('command line: a 3-4 letter verb and an argument without CR, LF or NUL, or a typed error', () =>
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseCommandLine(text);
        return result.ok ? /^[A-Z]{3,4}$/.test(result.value.verb) && !/[\r\n\0]/.test(result.value.argument) : result.error.length > 0;
      }),
      parserRuns,
    ));

  it('command encoding: safe arguments round-trip as one line; CR, LF or NUL always refused', () =>
    fc.assert(
      fc.property(fc.constantFrom('RETR', 'CWD', 'USER', 'SITE'), fc.string({ unit: 'binary', maxLength: 100 }), (verb, argument) => {
        if (/[\r\n\0]/.test(argument)) {
          try {
            encodeCommand(verb, argument);
            return false;
          } catch (error) {
            return error instanceof UnsafeArgumentError;
          }
        }
        const wire = encodeCommand(verb, argument);
        if (wire.indexOf('\r\n') !== wire.length - 2) return false;
        const parsed = parseCommandLine(wire.slice(0, -2));
        // Leading blanks of an argument are the one thing the wire form cannot keep apart.
        return parsed.ok && parsed.value.verb === verb && (argument === '' || parsed.value.argument === argument || /^\s/.test(argument));
      }),
      parserRuns,
    ));

  it('command line reader: the same lines however TCP cuts the stream, none over the limit', () =>
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\r', '\n', 'x'), maxLength: 400 }), fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 30 }), (text, cuts) => {
        const whole = new CommandLineReader(32).push(text);
        const reader = new CommandLineReader(32);
        const lines: string[] = [];
        let tooLong = 0;
        let offset = 0;
        for (const cut of [...cuts, text.length]) {
          const chunk = text.slice(offset, offset + cut);
          offset += chunk.length;
          const pushed = reader.push(chunk);
          lines.push(...pushed.lines);
          tooLong += pushed.tooLong;
          if (offset >= text.length) break;
        }
        if (offset < text.length) {
          const pushed = reader.push(text.slice(offset));
          lines.push(...pushed.lines);
          tooLong += pushed.tooLong;
        }
        return JSON.stringify(lines) === JSON.stringify(whole.lines) && tooLong === whole.tooLong && lines.every((line) => line.length <= 32 && !line.includes('\n'));
      }),
      parserRuns,
    ));

  it('virtual paths: always absolute, normalised, never a ".." segment, stable when resolved again', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', 'b c', '...', '%2e%2e', '~', 'CON', '\uff0e\uff0e');
    const pathText = fc.oneof(fc.array(segment, { maxLength: 12 }).map((parts) => parts.join('/')), hostileText);
    fc.assert(
      fc.property(pathText, pathText, (cwdText, argument) => {
        const cwd = resolveVirtualPath('/', cwdText);
        const base = cwd.ok ? cwd.value : '/';
        const result = resolveVirtualPath(base, argument);
        if (!result.ok) return result.error.length > 0;
        const value = result.value;
        const again = resolveVirtualPath('/', value);
        return (
          value.startsWith('/') &&
          !value.split('/').includes('..') &&
          !value.includes('//') &&
          (value === '/' || !value.endsWith('/')) &&
          !/[\0\\]/.test(value) &&
          again.ok &&
          again.value === value
        );
      }),
      parserRuns,
    );
  });

  it('evidence tags and data tokens: never throw; tokens round-trip', () =>
    fc.assert(
      fc.property(hostileText, fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.integer({ min: 1, max: 65535 }), (text, session, port) => {
        const tag = parseSentTag(text);
        if (tag && !(Number.isInteger(tag.port) && tag.port >= 0)) return false;
        const token = parseDataToken(text);
        if (token.ok && !/^[A-Za-z0-9_-]{1,64}$/.test(token.value.session)) return false;
        const round = parseDataToken(formatDataToken({ session, port }));
        return round.ok && round.value.session === session && round.value.port === port;
      }),
      parserRuns,
    ));

  it('addresses: normalising never throws; classifying refuses non-addresses with an error, never a wrong class', () =>
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`)), (text) => {
        const normalized = normalizeAddress(text);
        if (net.isIP(normalized) === 0) {
          expect(() => classifyAddress(text)).toThrow(/not an IP address/);
          return true;
        }
        return typeof classifyAddress(text) === 'string' && sameAddress(text, normalized);
      }),
      parserRuns,
    ));

  it('probe options (URL, port range, modes): a value or a ProbeOptionError, nothing else', () =>
    fc.assert(
      fc.property(hostileText, (text) => {
        for (const parse of [() => parseTarget({ url: `ftp://${text}` }), () => parseTarget({ url: text }), () => parsePortRange(text), () => parseModes(text)]) {
          try {
            parse();
          } catch (error) {
            if (!(error instanceof ProbeOptionError)) return false;
          }
        }
        return true;
      }),
      parserRuns,
    ));
});

// ---------------------------------------------------------------------------------------------
// The session state machine over a real socket.

interface Model {
  pending: string | undefined;
  loggedIn: boolean;
  failures: number;
  epsvAll: boolean;
  closed: boolean;
}

/** One command and the reply code the model expects, updating the model. */
type Step = { line: string; expect: (model: Model) => number };

const needsLogin = (code: number) => (model: Model) => (model.loggedIn ? code : 530);
const STEPS: Step[] = [
  { line: 'USER anonymous', expect: (m) => (m.loggedIn ? 530 : ((m.pending = 'anonymous'), 331)) },
  { line: 'USER mallory', expect: (m) => (m.loggedIn ? 530 : ((m.pending = 'mallory'), 331)) },
  {
    line: 'PASS guess',
    expect: (m) => {
      if (m.loggedIn) return 230;
      const name = m.pending;
      m.pending = undefined;
      if (name === undefined) return 503;
      if (name === 'anonymous') return ((m.loggedIn = true), 230);
      m.failures += 1;
      if (m.failures >= 3) return ((m.closed = true), 421);
      return 530;
    },
  },
  { line: 'NOOP', expect: () => 200 },
  { line: 'SYST', expect: () => 215 },
  { line: 'FEAT', expect: () => 211 },
  { line: 'HELP', expect: () => 214 },
  { line: 'STAT', expect: () => 211 },
  { line: 'PWD', expect: needsLogin(257) },
  { line: 'CWD /pub', expect: needsLogin(250) },
  { line: 'CWD /no-such-place', expect: needsLogin(550) },
  { line: 'CDUP', expect: needsLogin(250) },
  { line: 'TYPE I', expect: needsLogin(200) },
  { line: 'TYPE Q', expect: needsLogin(504) },
  { line: 'SIZE /pub/hello.txt', expect: needsLogin(213) },
  { line: 'MKD x', expect: needsLogin(550) },
  { line: 'REST 5', expect: needsLogin(350) },
  { line: 'ABOR', expect: needsLogin(225) },
  { line: 'PASV', expect: (m) => (!m.loggedIn ? 530 : m.epsvAll ? 500 : 227) },
  { line: 'EPSV', expect: needsLogin(229) },
  { line: 'EPSV ALL', expect: (m) => (!m.loggedIn ? 530 : ((m.epsvAll = true), 200)) },
  // No data connection is ever made: 425 (at once, or after the short accept timeout).
  { line: 'LIST', expect: needsLogin(425) },
  { line: 'RETR /pub/hello.txt', expect: needsLogin(425) },
  { line: 'PORT 10,0,0,1,200,1', expect: needsLogin(500) },
  { line: 'AUTH TLS', expect: () => 502 },
  { line: 'XYZZ plugh', expect: () => 502 },
  { line: '', expect: () => 500 },
  { line: 'NO\0OP', expect: () => 500 },
  { line: '12345', expect: () => 500 },
  { line: `NOOP ${'z'.repeat(5000)}`, expect: () => 500 },
  { line: 'QUIT', expect: (m) => ((m.closed = true), 221) },
];

let server: TestServer;
let guard: ReturnType<typeof guardUncaught>;
let commandsSent = 0;
beforeAll(async () => {
  guard = guardUncaught();
  // Hundreds of failed logins from one address: its lockout (login-throttle.ts) is tested elsewhere.
  server = await serve({ limits: { pasvAcceptTimeoutMs: 50, loginFailureDelayMs: 1, maxSessionsPerIp: 100, maxLoginFailuresPerIp: 1_000_000 } });
});
afterAll(async () => {
  await server.close();
  guard.remove();
});

describe(`session state machine over a real socket (${NUM_RUNS.session} random sequences of up to 25 commands)`, () => {
  it('every command gets exactly one final reply, as the model predicts; nothing before the greeting; no crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: STEPS.length - 1 }), { minLength: 1, maxLength: 25 }), async (indexes) => {
        const client = await RawClient.connect(server.port);
        try {
          const greeting = await client.reply();
          if (greeting.code !== 220) return false;
          const model: Model = { pending: undefined, loggedIn: false, failures: 0, epsvAll: false, closed: false };
          for (const index of indexes) {
            const step = STEPS[index]!;
            const expected = step.expect(model);
            client.write(`${step.line}\r\n`);
            commandsSent += 1;
            let reply = await client.reply();
            while (reply.code >= 100 && reply.code < 200) reply = await client.reply();
            expect(reply.code, `${step.line} after ${indexes.map((item) => STEPS[item]!.line.slice(0, 20)).join(' | ')}`).toBe(expected);
            if (model.closed) {
              expect(await client.closedByServer()).toBe(true);
              return true;
            }
          }
          // Exactly one final reply each: a stray extra reply would be read here instead of NOOP's.
          const last = await client.command('NOOP');
          expect([last.code, last.message]).toEqual([200, 'NOOP ok.']);
          expect(client.unread).toBe(0);
          return true;
        } finally {
          client.close();
        }
      }),
      { numRuns: NUM_RUNS.session },
    );
    expect(guard.errors).toEqual([]);
    // Still serving after all of it.
    const fresh = await RawClient.open(server.port);
    await fresh.login();
    fresh.close();
    console.log(`SESSION PROPERTY: ${NUM_RUNS.session} sequences, ${commandsSent} commands`);
  }, 60_000);
});

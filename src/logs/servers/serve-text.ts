/**
 * ftp-doctor serve's default text log (`<time> [<session> <peer>] <message>`): the JSON log's
 * entries as sentences, without the replies. What a session lacks then is read from the server's
 * own words: "passive port 42031 opened" followed by the next mode command (the client moved on),
 * with no "data connection from … on passive port 42031" between, or by the server's "no data
 * connection within", or by the session's end (QUIT, "connection closed"), is a passive data
 * connection the server waited for in vain (for as long as the log shows it waiting): passive-wait.ts. A transfer's end is read as the reply serve sends right after
 * logging it: "… complete: N bytes" is its 226, "… failed after N bytes: why" its 426.
 */
import type { LineParser, LogItem } from '../items.js';
import { setBounded } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { jsonLinesParser, SERVE_TEXT } from './json-lines.js';
import { awaitPassivePorts } from './passive-wait.js';

interface Listening {
  port: number;
  sinceMs?: number;
}

const OPENED = /^passive port (\d+) opened$/;

function serveTextParser(): LineParser {
  const lines = jsonLinesParser();
  /** Per session: the passive port opened whose data connection has not come yet. */
  const waiting = new Map<string, Listening>();
  const inner: LineParser = {
    parse(raw, line) {
      const parsed = lines.parse(raw, line);
      const m = SERVE_TEXT.exec(raw);
      if (!parsed || !m) return parsed;
      const key = parsed.key ?? '';
      const message = String(m[4]);
      const ms = parsed.time?.ms;
      const pending = waiting.get(key);
      let opened: RegExpExecArray | null;
      let arrived: RegExpExecArray | null;
      let timedOut: RegExpExecArray | null;
      let transfer: RegExpExecArray | null;
      if ((transfer = /^\S+ of .+ complete: (\d+) bytes in /.exec(message))) {
        return { ...parsed, items: [...parsed.items, { type: 'reply', code: 226, message: `Transfer complete (${transfer[1]} bytes).` }] };
      }
      if (/^\S+ of .+ failed after \d+ bytes: /.test(message)) {
        return { ...parsed, items: [...parsed.items, { type: 'reply', code: 426, message }] };
      }
      // A login's answer, which the text log leaves out: serve logs the refusal, then answers 530 (after its tarpit delay), or 230 after "… logged in".
      if (/^failed login for /.test(message)) return { ...parsed, items: [...parsed.items, { type: 'reply', code: 530, message: `Login incorrect. (${message})` }] };
      if (/^\S+ logged in(?: over TLS)?$/.test(message)) return { ...parsed, items: [...parsed.items, { type: 'reply', code: 230, message: 'Login successful.' }] };
      if ((opened = OPENED.exec(message))) {
        setBounded(waiting, key, { port: Number(opened[1]), ...(ms !== undefined ? { sinceMs: ms } : {}) });
        return parsed;
      }
      if ((arrived = /on passive port (\d+)/.exec(message)) && pending?.port === Number(arrived[1])) {
        waiting.delete(key);
        return parsed;
      }
      if ((timedOut = /^(?:WARN )?PASV (\d+) opened, no data connection within/.exec(message)) && pending?.port === Number(timedOut[1])) {
        waiting.delete(key);
        const missed: LogItem = {
          type: 'connect',
          role: 'data',
          openedBy: 'client',
          to: { host: '', port: pending.port },
          outcome: 'no-answer',
          listenerOnly: true,
          ...(pending.sinceMs !== undefined && ms !== undefined ? { waitedMs: Math.max(0, ms - pending.sinceMs) } : {}),
        };
        return { ...parsed, items: [...parsed.items, missed] };
      }
      if (parsed.items.some((item) => item.type === 'end')) waiting.delete(key);
      return parsed;
    },
  };
  // A port opened and left — for another mode command, a QUIT, or the session's end — is a connection that never came.
  return awaitPassivePorts(inner, (raw) => {
    const m = SERVE_TEXT.exec(raw);
    const opened = m ? OPENED.exec(String(m[4])) : null;
    return opened ? Number(opened[1]) : undefined;
  });
}

export const serveTextReader = makeLogReader({
  format: 'serve-text',
  description: "ftp-doctor serve's default text log (serve --log text)",
  label: 'ftp-doctor serve text log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, SERVE_TEXT) > 0 ? 0.9 : 0),
  createParser: () => serveTextParser(),
  limits: [
    SERVER_LOG_LIMIT,
    "serve's text log has no replies (serve --log json has them): a login as the 230 or 530 serve sends after logging it, a transfer's end as the 226 or 426 serve sends after it, a passive port opened and left (for another mode command, a QUIT or the session's end) as a connection that never arrived",
  ],
});

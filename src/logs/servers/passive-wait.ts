/**
 * A server's log of a passive port nobody came to: the server handed out a port (its 227/229, or
 * serve's "passive port N opened") and then, before any data connection arrived and before any
 * transfer command, the client moved on to another mode command, quit, or the session ended.
 * Clients (curl, lftp, FileZilla, ftplib) connect before they send LIST/RETR, so a dropped data
 * connection never makes the server answer 425: this silence is the server-side signature of it.
 *
 * The wrapper adds the server's observation as a data connection with outcome 'no-answer' seen from
 * the listener only (`listenerOnly`): the server cannot tell a connection dropped on the way from
 * one the client never sent, and the record says so. A log that ends while the port is still open
 * says the same only when the log goes on after it (another session's line at least a second later);
 * a log cut right there leaves the attempt unjudged. Pure, one line at a time.
 */
import type { Endpoint } from '../../evidence/observed.js';
import { dataAddressOf, isModeCommand, isTransferCommand, setBounded, type LineParser, type LogItem, type ParsedLine } from '../items.js';

interface Waiting {
  to: Endpoint;
  line: number;
  sinceMs?: number;
}

/** The port a line hands out when the log has no replies (serve's text log: "passive port 42031 opened"). */
export type HandedOut = (raw: string, parsed: ParsedLine) => number | undefined;

/** How long the log must go on after a hand-out before a session that said nothing more counts as ended there. */
const ENDED_AFTER_MS = 1_000;

function replyCode(item: LogItem): { code: number; text: string } | undefined {
  if (item.type === 'reply') return { code: item.code, text: `${item.code} ${item.message}` };
  if (item.type === 'reply-line') {
    const m = /^(\d{3})[ ]/.exec(item.text);
    if (m) return { code: Number(m[1]), text: item.text };
  }
  return undefined;
}

function missed(waiting: Waiting, nowMs: number | undefined): LogItem {
  const waitedMs = waiting.sinceMs !== undefined && nowMs !== undefined ? Math.max(0, nowMs - waiting.sinceMs) : undefined;
  return { type: 'connect', role: 'data', openedBy: 'client', to: waiting.to, outcome: 'no-answer', listenerOnly: true, ...(waitedMs !== undefined ? { waitedMs } : {}) };
}

/** `inner` with the passive ports it handed out and nobody connected to added as the server saw them. */
export function awaitPassivePorts(inner: LineParser, handedOut?: HandedOut): LineParser {
  const waiting = new Map<string, Waiting>();
  let lastLine = 0;
  let lastMs: number | undefined;
  return {
    ...(inner.limits ? { limits: () => inner.limits?.() ?? [] } : {}),
    parse(raw, line) {
      const parsed = inner.parse(raw, line);
      if (!parsed) return parsed;
      lastLine = line;
      const ms = parsed.time?.ms;
      if (ms !== undefined) lastMs = Math.max(lastMs ?? ms, ms);
      const key = parsed.key ?? '';
      const items: LogItem[] = [];
      const settle = (): void => {
        const pending = waiting.get(key);
        if (!pending) return;
        waiting.delete(key);
        items.push(missed(pending, ms));
      };
      for (const item of parsed.items) {
        const pending = waiting.get(key);
        if (item.type === 'command') {
          const text = item.text.trim();
          if (isTransferCommand(text)) waiting.delete(key); // the transfer's own replies (150, 425, 226) tell the rest
          else if (pending && (isModeCommand(text) || /^(?:QUIT|REIN)\b/i.test(text))) settle();
        } else if (item.type === 'connect') {
          if (item.role === 'control' && pending) settle(); // the key's next session: this one ended
          else if (item.role === 'data' || item.role === undefined) waiting.delete(key);
        } else if (item.type === 'end') settle();
        else if (item.type === 'note' && item.meaning === 'data-timeout') waiting.delete(key); // the server said it itself
        items.push(item);
        const reply = replyCode(item);
        if (reply && (reply.code === 227 || reply.code === 229)) {
          const offered = dataAddressOf(reply.text);
          if (offered) setBounded(waiting, key, { to: offered, line, ...(ms !== undefined ? { sinceMs: ms } : {}) });
        }
      }
      const port = handedOut?.(raw, parsed);
      if (port !== undefined) setBounded(waiting, key, { to: { host: '', port }, line, ...(ms !== undefined ? { sinceMs: ms } : {}) });
      return { ...parsed, items };
    },
    finish() {
      const out: { line: number; parsed: ParsedLine }[] = [];
      for (const [key, pending] of waiting) {
        // The log went on after the hand-out (times: by a second at least; no times: by a line) while this session said nothing more.
        const wentOn = pending.sinceMs !== undefined && lastMs !== undefined ? lastMs - pending.sinceMs >= ENDED_AFTER_MS : lastLine > pending.line;
        if (wentOn) out.push({ line: pending.line, parsed: { ...(key !== '' ? { key } : {}), items: [missed(pending, undefined)] } });
      }
      waiting.clear();
      return [...(inner.finish?.() ?? []), ...out];
    },
  };
}

/**
 * Python's ftplib with set_debuglevel(1 or 2): `*cmd* 'PASV'`, `*resp* '227 …'` (a multi-line reply
 * in one repr with \n), and at level 2 the raw `*put*`/`*get*` copies, which are skipped. ftplib
 * logs no connections: after a 227/229 it connects at once (transfercmd) and sends the transfer
 * command only once connected, so the reader records that attempt when something says how it
 * ended: the transfer command (connected) or a traceback's ConnectionRefusedError / TimeoutError.
 * A log that ends after the 227 says neither, and gets no attempt it cannot vouch for. A 229's host is
 * the control connection's peer, which ftplib's log does not name: its `to.host` is then ''.
 */
import { parseEpsvReply, parsePasvReply } from '../../ftp/passive.js';
import type { Endpoint, ObservedConnectOutcome } from '../../evidence/observed.js';
import { isTransferCommand, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { outcomeOf, unrepr } from './words.js';

function ftplibParser(): LineParser {
  let dataPending = false;
  /** Where ftplib dials after the last 227/229, until something says how that ended. */
  let dialling: Endpoint | undefined;
  const attempt = (outcome?: ObservedConnectOutcome): LogItem[] => {
    const to = dialling;
    dialling = undefined;
    return to ? [{ type: 'connect', role: 'data', openedBy: 'client', to, ...(outcome ? { outcome } : {}) }] : [];
  };
  return {
    parse(raw) {
      let m: RegExpExecArray | null;
      if ((m = /^\*cmd\* (.*)$/.exec(raw))) {
        dataPending = false;
        const text = unrepr(String(m[1]));
        // ftplib sends the transfer command only once its data connection is made.
        const connected = isTransferCommand(text) ? attempt('connected') : [];
        dialling = undefined;
        return { items: [...connected, { type: 'command', text }] };
      }
      if ((m = /^\*resp\* (.*)$/.exec(raw))) {
        const text = unrepr(String(m[1]));
        const items: LogItem[] = text.split('\n').map((line) => ({ type: 'reply-line', text: line }));
        const code = text.slice(0, 3);
        const pasv = code === '227' ? parsePasvReply(text) : undefined;
        const epsv = code === '229' ? parseEpsvReply(text) : undefined;
        if (pasv?.ok) dialling = pasv.value;
        if (epsv?.ok) dialling = { host: '', port: epsv.value };
        if (pasv?.ok || epsv?.ok) dataPending = true;
        return { items };
      }
      // The last line of a traceback: `ConnectionRefusedError: [Errno 111] Connection refused`, `TimeoutError: timed out`.
      if ((m = /^(?:[\w.]+(?:Error|Exception|timeout)|socket\.timeout|ftplib\.\w+): (.*)$/.exec(raw))) {
        const outcome = outcomeOf(raw);
        if (dataPending && outcome) {
          dataPending = false;
          const items: LogItem[] = attempt(outcome);
          if (outcome === 'no-answer') items.push({ type: 'note', meaning: 'data-timeout', text: raw });
          return { items };
        }
        if (outcome === 'no-answer') return { items: [{ type: 'note', meaning: 'control-timeout', text: raw }] };
        if (outcome === 'reset') return { items: [{ type: 'note', meaning: 'connection-lost', text: raw }] };
        if (/^ftplib\.error_/.test(raw)) return { items: [] };
        return { items: [{ type: 'note', meaning: 'other', text: raw }] };
      }
      return undefined;
    },
  };
}

export const ftplibReader = makeLogReader({
  format: 'ftplib',
  description: "Python ftplib's set_debuglevel(1 or 2) output",
  label: 'Python ftplib debug log',
  vantage: 'client',
  timings: false,
  signature: (lines) => (countLines(lines, /^\*(?:cmd|resp)\* ['"]/) > 0 ? 0.95 : 0),
  createParser: () => ftplibParser(),
  limits: [CLIENT_LOG_LIMIT, "ftplib's debug output names no addresses: data connections are inferred from its 227/229 replies (it connects right after them)"],
});

/**
 * The classic command-line clients with debugging on: Windows `ftp.exe -d` and Linux `ftp -d`
 * (inetutils, netkit, tnftp): commands as `---> PASV`, replies as the server sent them with no
 * prefix, the client's own complaints as `ftp: connect: Connection refused` or `> ftp: connect
 * :Unknown error number`.
 */
import type { Endpoint } from '../../evidence/observed.js';
import { dataAddressOf, isModeCommand, isTransferCommand, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { leadingTime, outcomeOf } from './words.js';

function ftpDebugParser(): LineParser {
  let dataPhase = false;
  /** The address the last 227/229 offered: where "ftp: connect: …" after it was dialling. */
  let offered: Endpoint | undefined;
  return {
    parse(raw) {
      const { time, rest } = leadingTime(raw);
      const items = ftpDebugItems(rest.replace(/^ftp> /, ''), dataPhase, offered);
      for (const item of items) {
        if (item.type === 'command') dataPhase = isModeCommand(item.text) || isTransferCommand(item.text);
        if (item.type === 'reply-line') offered = dataAddressOf(item.text) ?? offered;
      }
      return { ...(time ? { time } : {}), items };
    },
  };
}

function ftpDebugItems(text: string, dataPhase: boolean, offered: Endpoint | undefined): LogItem[] {
  let m: RegExpExecArray | null;
  if ((m = /^---> (.*)$/.exec(text))) return [{ type: 'command', text: String(m[1]) }];
  if (/^Connected to \S+?\.?$/.test(text)) return [{ type: 'connect', role: 'control', outcome: 'connected' }];
  if ((m = /^(?:> )?ftp: (?:connect|bind|accept|receive|send)\s*:\s*(.*)$/i.exec(text))) {
    const outcome = outcomeOf(String(m[1]));
    const items: LogItem[] = [];
    // After PASV/EPSV, the connect that failed is the data connection to the address offered.
    if (dataPhase && offered && /connect/i.test(text) && outcome && outcome !== 'reset') items.push({ type: 'connect', role: 'data', openedBy: 'client', to: offered, outcome });
    if (outcome === 'no-answer') items.push({ type: 'note', meaning: dataPhase ? 'data-timeout' : 'control-timeout', text });
    else if (outcome === 'reset') items.push({ type: 'note', meaning: 'connection-lost', text });
    else if (items.length === 0) items.push({ type: 'note', meaning: 'other', text });
    return items;
  }
  if (/^Connection closed by remote host|^421 /i.test(text) && !REPLY_LINE.test(text)) return [{ type: 'note', meaning: 'connection-lost', text }];
  // Replies and the continuation lines of multi-line ones: the builder keeps only those.
  return [{ type: 'reply-line', text }];
}

export const ftpDebugReader = makeLogReader({
  format: 'ftp-d',
  description: 'Windows ftp.exe -d or Linux ftp -d (inetutils, netkit, tnftp) output',
  label: 'ftp -d transcript',
  vantage: 'client',
  timings: false,
  signature: (lines) => (countLines(lines, /^(?:ftp> )?---> [A-Za-z]{3,4}\b/) > 0 && countLines(lines, /^<--- /) === 0 && countLines(lines, /^[1-5]\d\d[ -]/) > 0 ? 0.75 : 0),
  createParser: () => ftpDebugParser(),
  limits: [CLIENT_LOG_LIMIT, 'ftp -d names no addresses it connects to: a data connection is known from the 227/229 before it and the error after it'],
});

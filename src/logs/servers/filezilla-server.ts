/**
 * FileZilla Server, written from its documented formats (Windows only, not runnable here):
 * - 0.9.x: `(000012)05.01.2024 10:11:13 - bob (203.0.113.9)> PASV`, replies the same way with
 *   their code; `(not logged in)` before login; `disconnected.` at the end. The date is in the
 *   machine's locale, so only the clock is read.
 * - 1.x: `2024-01-05T10:11:13.012Z >> [FTP Session 5 203.0.113.9 bob] PASV` (`>>` command, `<<`
 *   reply, `==` status, `!!` error; or `Command:`/`Response:` in the text).
 */
import { normalizeAddress } from '../../ftp/address.js';
import { isCommand, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { parseClock, parseIsoLike } from '../time.js';
import { awaitPassivePorts } from './passive-wait.js';

const V09_LINE = /^\((\d{6})\)(.*?) - (.+?) \(([^)]+)\)> (.*)$/;
const V1_CREATED = /^(?:<[^>]*> )?(\d{4}-\d{2}-\d{2}T[\d:.]+Z?) \S+ \[FTP Server\] Session (\d+) with ID \d+ created for \[?([0-9A-Fa-f:.]+?)\]?:(\d+)/;
const V1_LINE = /^(?:<[^>]*> )?(\d{4}-\d{2}-\d{2}T[\d:.]+Z?) (>>|<<|==|!!|--|\*\*|\S) \[FTP Session (\d+) ([^\] ]+)(?: ([^\]]*))?\] (.*)$/;

function contentItems(direction: string, text: string, commandsFirst: boolean): LogItem[] {
  const body = text.replace(/^(?:Command|Response):\s*/, '');
  if (/^(?:Connected on port|Session \d+ with ID)/.test(body)) return [{ type: 'connect', role: 'control', outcome: 'connected' }];
  if (/^disconnected\.?$|Control channel closed/i.test(body)) {
    const items: LogItem[] = [];
    if (/error|ECONN|timed out/i.test(body)) items.push({ type: 'note', meaning: /timed out/i.test(body) ? 'control-timeout' : 'connection-lost', text: body });
    items.push({ type: 'end' });
    return items;
  }
  if ((direction === '<<' || !commandsFirst || /^Response:/.test(text)) && REPLY_LINE.test(body)) return [{ type: 'reply-line', text: body }];
  if ((direction === '>>' || commandsFirst || /^Command:/.test(text)) && isCommand(body)) return [{ type: 'command', text: body }];
  if (REPLY_LINE.test(body)) return [{ type: 'reply-line', text: body }];
  if (/^[A-Z]{3,4}\b/.test(body) && isCommand(body)) return [{ type: 'command', text: body }];
  if (/timed out/i.test(body)) return [{ type: 'note', meaning: /data/i.test(body) ? 'data-timeout' : 'control-timeout', text: body }];
  if (/data connection|Data channel|ECONNREFUSED|ECONNRESET/i.test(body)) return [{ type: 'note', meaning: 'other', text: body }];
  return [];
}

export const fileZillaServerReader = makeLogReader({
  format: 'filezilla-server',
  description: 'FileZilla Server log (0.9.x and 1.x)',
  label: 'FileZilla Server log',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, V09_LINE) > 0 || countLines(lines, V1_LINE) > 0 || countLines(lines, V1_CREATED) > 0 ? 0.9 : 0),
  createParser: (): LineParser => awaitPassivePorts({
    parse(raw) {
      const old = V09_LINE.exec(raw);
      if (old) {
        const time = parseClock(String(old[2]));
        const client = normalizeAddress(String(old[4]));
        const items = contentItems('', String(old[5]), false);
        return { ...(time ? { time } : {}), key: `${old[1]}`, items: [{ type: 'endpoints', client: { host: client, port: 0 } }, ...items] };
      }
      const created = V1_CREATED.exec(raw);
      if (created) {
        const time = parseIsoLike(String(created[1]), true);
        const client = { host: normalizeAddress(String(created[3])), port: Number(created[4]) };
        return { ...(time ? { time } : {}), key: `session ${created[2]}`, items: [{ type: 'connect', role: 'control', outcome: 'connected', from: client }, { type: 'endpoints', client }] };
      }
      const m = V1_LINE.exec(raw);
      if (!m) return undefined;
      const time = parseIsoLike(String(m[1]), true);
      const client = normalizeAddress(String(m[4]));
      return { ...(time ? { time } : {}), key: `session ${m[3]}`, items: [{ type: 'endpoints', client: { host: client, port: 0 } }, ...contentItems(String(m[2]), String(m[6]), false)] };
    },
  }),
  limits: [SERVER_LOG_LIMIT],
});

/**
 * xferlog (wu-ftpd's transfer log, written by vsftpd, ProFTPD, Pure-FTPd): one line per transfer,
 * `Sat Dec  5 05:00:01 2026 1 127.0.0.1 18 /hello.txt b _ o a <email> ftp 0 * c` — time, seconds,
 * remote host, bytes, file name (may hold spaces), then nine fixed fields ending with `c` (complete)
 * or `i` (incomplete). An anonymous user's "user name" is the e-mail typed as password: masked.
 * It shows transfers that happened, nothing about the control connection or a data connection
 * that never came, nor where a transfer's data connection went: each line is a note, sessions per remote host.
 */
import { normalizeAddress } from '../../ftp/address.js';
import type { LineParser, LogItem } from '../items.js';
import { countLines, makeLogReader, SERVER_LOG_LIMIT } from '../reader.js';
import { maskPassword } from '../redact.js';
import { CTIME, parseCtime } from '../time.js';

const XFERLOG_LINE = new RegExp(
  `^${CTIME.source} (\\d+) (\\S+) (\\d+) (.+) ([ab]) (\\S+) ([oid]) ([agr]) (\\S+) (\\S+) ([01]) (\\S+) ([ci])$`,
);

const INCOMPLETE_LIMIT =
  'xferlog does not log why a transfer was incomplete: an incomplete transfer of 0 bytes is read as one whose data connection never came; one that broke off after some bytes is only listed';

function xferlogParser(): LineParser {
  let incompleteSeen = false;
  return {
    limits: () => (incompleteSeen ? [INCOMPLETE_LIMIT] : []),
    parse(raw) {
      const m = XFERLOG_LINE.exec(raw.trim());
      if (!m) return undefined;
      const time = parseCtime(raw);
      const [seconds, host, bytes, file, , , direction, access, user, , , , status] = m.slice(7);
      if (access === 'a') maskPassword(String(user));
      const key = normalizeAddress(String(host));
      const verb = direction === 'o' ? 'download' : direction === 'i' ? 'upload' : 'delete';
      const complete = status === 'c';
      const items: LogItem[] = [{ type: 'endpoints', client: { host: key, port: 0 } }];
      // vsftpd logs a transfer whose data connection never came (its 425 after the wait) as incomplete, 0 bytes:
      // the transfer command the line stands for, then the data timeout, in the terms the diagnosis reads.
      const neverCame = !complete && direction !== 'd' && Number(bytes) === 0;
      if (!complete) incompleteSeen = true;
      // A complete transfer had its data connection, and it carried the file: the same reading, ending in the 226 the server sent.
      const transferred = complete && direction !== 'd';
      if (neverCame || transferred) items.push({ type: 'command', text: 'PASV' }, { type: 'command', text: `${direction === 'i' ? 'STOR' : 'RETR'} ${file}` });
      items.push({ type: 'note', meaning: neverCame ? 'data-timeout' : 'other', text: `${verb} of ${file} (${bytes} bytes, ${seconds} s) ${complete ? 'complete' : 'incomplete'}` });
      if (transferred) {
        items.push({ type: 'reply', code: 150, message: `xferlog: ${verb} of ${file}` }, { type: 'connect', role: 'data', openedBy: 'client', outcome: 'connected', to: { host: key, port: 0 }, bytes: Number(bytes), ended: 'fin' });
        items.push({ type: 'reply', code: 226, message: `Transfer complete (xferlog: ${bytes} bytes in ${seconds} s).` });
      }
      return { ...(time ? { time } : {}), key, items };
    },
  };
}

export const xferlogReader = makeLogReader({
  format: 'xferlog',
  description: 'xferlog transfer log (vsftpd xferlog_std_format, ProFTPD TransferLog, Pure-FTPd)',
  label: 'xferlog',
  vantage: 'server',
  timings: true,
  signature: (lines) => (countLines(lines, XFERLOG_LINE) > 0 ? 0.9 : 0),
  createParser: () => xferlogParser(),
  limits: [
    SERVER_LOG_LIMIT,
    'xferlog lists finished transfers only: no commands, replies, or data connections that failed to open',
    "xferlog does not log the data mode nor the data address: each transfer is read as a passive one (the common mode) to an unknown port, a complete one as a data connection that completed and carried the file",
  ],
});

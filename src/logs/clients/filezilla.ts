/**
 * FileZilla 3.x: the message log copied from the window (`Status:\tConnecting to …`, with or
 * without a leading time) and the log file (`2024-01-05 10:11:12 1234 1 Command: PASV`), at any
 * debug level (`Trace:` lines), in ANY UI language: the label before the colon is translated
 * (Status/Statut/Stato/Estado/状态/Статус…), so lines are read by structure — an optional time, one
 * label word, a colon (ASCII or full-width), then a command, a numbered reply or a message.
 * FileZilla's own messages are recognised in English and a few translations by their words, and
 * otherwise by where they stand (a message right after an unroutable 227 is the replacement note).
 */
import { isUnroutable } from '../../ftp/address.js';
import { parsePasvReply } from '../../ftp/passive.js';
import { isCommand, isTransferCommand, parseHostPort, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { parseClock, parseIsoLike, type LogTime } from '../time.js';

/** An optional time (and the log file's pid and engine id), one label word, a colon, the rest. */
export const FILEZILLA_LINE = /^(?:(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: \d+ \d+)?\s+|(\d{1,2}:\d{2}:\d{2})\s+)?([\p{L}][\p{L}\p{M}-]{0,23})\s?[:：]\s*(.*)$/u;

/**
 * A message log saved in a Latin-1/Windows-1252 code page (FileZilla's window copied into an ANSI
 * editor, `iconv -t latin1`) reaches the reader as UTF-8 with each accented letter replaced by
 * U+FFFD: every non-ASCII letter of the words below also matches that replacement character.
 */
function lenientAccents(re: RegExp): RegExp {
  return new RegExp(re.source.replace(/[^\x00-\x7f]/gu, (letter) => `(?:${letter}|\uFFFD)`), re.flags);
}

/** "Connection timed out after 20 seconds of inactivity", translated. */
const TIMEOUT = lenientAccents(/timed out|timeout|d(?:é|e)lai d'attente|zeitüberschreitung|tempo (?:scaduto|esgotado|limite)|tiempo de espera|superado|超时|逾時|タイムアウト|тайм-?аут|время ожидания|limit czasu|przekroczono|zaman aşımı/iu);
const UNROUTABLE = lenientAccents(/unroutable|non routable|nicht routbar|non instradabile|no enrutable|não roteável|不可路由|无法路由|маршрутизируем/iu);
const CONNECTING = lenientAccents(/^(?:Connecting to|Connexion à|Verbinde mit|Connessione a|Conectando a|Conectando com|正在连接|连接|Соединение с|Подключение к|Łączenie z)\s+(\S+?)(?:\.\.\.|…)?$/iu);
const SECONDS = /(\d+)\s*(?:seconds?|Sekunden|secondes?|secondi|segundos?|секунд\p{L}*|秒)/iu;
const ESTABLISHED = lenientAccents(/^(?:Connection established|Connexion établie|Verbindung hergestellt|Connessione stabilita|Conexión establecida|连接建立|Соединение установлено)/iu);
const REFUSED = lenientAccents(/refused|refusée|verweigert|rifiutata|rechazada|recusada|拒绝|отклонено|отказано/iu);

interface FileZillaState {
  commands: number;
  lastUnroutable227: boolean;
  transferPending: boolean;
}

function fileZillaParser(): LineParser {
  const state: FileZillaState = { commands: 0, lastUnroutable227: false, transferPending: false };
  return {
    parse(raw) {
      const m = FILEZILLA_LINE.exec(raw.trim());
      if (!m) return undefined;
      const time: LogTime | undefined = m[1] ? parseIsoLike(m[1]) : m[2] ? parseClock(m[2]) : undefined;
      const items = fileZillaItems(String(m[3]), String(m[4]).trim(), state);
      return { ...(time ? { time } : {}), items };
    },
  };
}

function fileZillaItems(label: string, content: string, state: FileZillaState): LogItem[] {
  if (/^Trace$/i.test(label)) return traceItems(content, state);
  const reply = REPLY_LINE.exec(content);
  if (reply && !/^\d{3}[-.:]\d/.test(content)) {
    state.lastUnroutable227 = false;
    if (reply[1] === '227') {
      const pasv = parsePasvReply(content);
      state.lastUnroutable227 = pasv.ok && isUnroutable(pasv.value.host);
    }
    const code = Number(reply[1]);
    if (code === 226 || code === 250 || code >= 400) state.transferPending = false;
    return [{ type: 'reply-line', text: content }];
  }
  if (isCommand(content) && /^[A-Z]{3,4}\b/.test(content)) {
    state.commands += 1;
    state.lastUnroutable227 = false;
    state.transferPending = isTransferCommand(content);
    return [{ type: 'command', text: content }];
  }
  return messageItems(content, state);
}

function messageItems(content: string, state: FileZillaState): LogItem[] {
  const afterUnroutable = state.lastUnroutable227;
  state.lastUnroutable227 = false;
  if (UNROUTABLE.test(content) || (afterUnroutable && !/\d+\.\d+\.\d+\.\d+:\d+/.test(content))) {
    return [{ type: 'note', meaning: 'unroutable-replaced', text: content }];
  }
  if (TIMEOUT.test(content)) {
    const meaning = state.transferPending ? 'data-timeout' : 'control-timeout';
    // "after 20 seconds of inactivity", "nach 20 Sekunden", "après 20 secondes": FileZilla's own timeout, the wait it says.
    const seconds = SECONDS.exec(content);
    return [{ type: 'note', meaning, text: content, ...(seconds ? { waitedMs: Number(seconds[1]) * 1000 } : {}) }];
  }
  const connecting = CONNECTING.exec(content);
  if (connecting) {
    const to = parseHostPort(String(connecting[1]).replace(/\.\.\.$/, ''));
    if (state.commands === 0 || !state.transferPending) return [{ type: 'connect', role: 'control', ...(to ? { to } : {}) }];
    return [{ type: 'connect', role: 'data', openedBy: 'client', ...(to ? { to } : {}) }];
  }
  if (ESTABLISHED.test(content) && state.commands === 0) {
    return [{ type: 'connect-result', outcome: 'connected', role: 'control' }];
  }
  if (REFUSED.test(content)) return [{ type: 'connect-result', outcome: 'refused' }];
  if (/^(?:Initializing TLS|Verifying certificate|TLS connection established)/i.test(content)) {
    return [{ type: 'tls', channel: 'control', handshake: /established/i.test(content) ? 'ok' : 'seen', detail: content }];
  }
  if (/^(?:Connection closed by server|Disconnected from server|ECONNRESET|ECONNABORTED)/i.test(content)) return [{ type: 'note', meaning: 'connection-lost', text: content }];
  return [];
}

/** Debug lines: `Trace: CFtpRawTransferOpData::ParseResponse() …`, `Trace: Binding data connection source IP to control connection source IP`. */
function traceItems(content: string, state: FileZillaState): LogItem[] {
  // FileZilla opens a passive data connection around its transfer command, before or after it.
  const m = /Connecting to (\[?[0-9A-Fa-f:.]+\]?:\d+)/.exec(content);
  if (m && state.commands > 0) {
    const to = parseHostPort(String(m[1]));
    return to ? [{ type: 'connect', role: 'data', openedBy: 'client', to }] : [];
  }
  if (/CTransferSocket::OnConnect|Data connection established/.test(content) && state.commands > 0) return [{ type: 'connect-result', outcome: 'connected', role: 'data' }];
  return [];
}

export const fileZillaReader = makeLogReader({
  format: 'filezilla',
  description: "FileZilla 3.x message log or log file, any UI language, any debug level",
  label: 'FileZilla log',
  vantage: 'client',
  timings: false,
  signature: (lines) => {
    const labelled = lines.filter((line) => FILEZILLA_LINE.test(line.trim()));
    const commands = labelled.filter((line) => {
      const m = FILEZILLA_LINE.exec(line.trim());
      return m !== null && (isCommand(String(m[4])) || REPLY_LINE.test(String(m[4])));
    }).length;
    const labels = new Set(labelled.map((line) => FILEZILLA_LINE.exec(line.trim())?.[3]));
    if (commands === 0 || labels.size < 2) return 0;
    const fileLog = countLines(lines, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \d+ \d+ \S+:/) > 0;
    return fileLog ? 0.9 : 0.7;
  },
  createParser: () => fileZillaParser(),
  limits: [CLIENT_LOG_LIMIT, "FileZilla's message log does not show data connections (its debug log does, in part); a timeout after a listing command is read as the data connection's"],
});

/**
 * The fallback for any other transcript: lines holding an FTP command or a numbered reply, with or
 * without a time and a direction marker (`>`, `<`, `--->`, `<---`, `->`, `<-`, `C:`, `S:`,
 * `Command:`, `Response:`). Commands are recognised only with a known verb in capitals, so prose
 * is not read as FTP. Lowest confidence: any specific reader wins.
 */
import { isCommand, isTransferCommand, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { leadingTime, TIMEOUT_WORDS } from './words.js';

const MARKER = /^(?:-{2,3}>|<-{2,3}|->|<-|>+|<+|[CS]:|\w{2,12}\s?[:：])\s*/;

/** One line; `transferPending` says whether a transfer command is waiting for its end (a timeout then is the data connection's). */
export function genericItems(line: string, transferPending = false): LogItem[] {
  const { rest } = leadingTime(line.trim());
  const text = rest.replace(MARKER, '').trim();
  if (REPLY_LINE.test(text) && !/^\d{3}[-.:/]\d/.test(text)) return [{ type: 'reply-line', text }];
  if (/^[A-Z]{3,4}\b/.test(text) && isCommand(text)) return [{ type: 'command', text }];
  if (TIMEOUT_WORDS.test(text)) return [{ type: 'note', meaning: transferPending ? 'data-timeout' : 'control-timeout', text }];
  return [];
}

export const genericTranscriptReader = makeLogReader({
  format: 'transcript',
  description: 'any other text with FTP commands and numbered replies (the fallback)',
  label: 'FTP transcript',
  vantage: 'client',
  timings: false,
  signature: (lines) => {
    const commands = countLines(lines, /^(?:\S+\s+){0,3}?(?:-{2,3}>|->|>|C:)?\s*(?:USER|PASV|EPSV|PORT|EPRT|LIST|MLSD|RETR|STOR|NLST|FEAT|AUTH)\b/);
    const replies = countLines(lines, /^(?:\S+\s+){0,3}?(?:<-{2,3}|<-|<|S:)?\s*[1-5]\d\d[ -]\S/);
    return commands > 0 && replies > 0 ? 0.2 : 0;
  },
  createParser: (): LineParser => {
    let transferPending = false;
    return {
      parse(text) {
        const { time } = leadingTime(text.trim());
        const items = genericItems(text, transferPending);
        for (const item of items) {
          if (item.type === 'command') transferPending = isTransferCommand(item.text);
          if (item.type === 'reply-line' && /^(?:226|250|[45]\d\d)\b/.test(item.text)) transferPending = false;
        }
        return { ...(time ? { time } : {}), items };
      },
    };
  },
  limits: [CLIENT_LOG_LIMIT, 'read as a plain transcript: who wrote it and from where is not known, so only its commands and replies count'],
});

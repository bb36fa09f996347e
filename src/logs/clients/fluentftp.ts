/**
 * FluentFTP's log (OnLogEvent / LogToConsole, v35+): `Status:   Connecting to 10.0.0.5:21`,
 * `Command:  PASV`, `Response: 227 Entering Passive Mode (…)` (newer versions put `[timestamp]`
 * first and the response's elapsed time after it), `>         GetListing("/")` for API calls,
 * `Status:   Connecting to ***:50123` (addresses masked when LogHost is off), and exceptions such
 * as `FluentFTP.Exceptions.FtpException: Timed out trying to connect!`.
 */
import { isCommand, parseHostPort, REPLY_LINE, type LineParser, type LogItem } from '../items.js';
import { CLIENT_LOG_LIMIT, countLines, makeLogReader } from '../reader.js';
import { leadingTime, outcomeOf } from './words.js';

const FLUENT_LINE = /^(Status|Command|Response|Error|Warning|Info|Verbose):\s+(.*)$/;

function fluentParser(): LineParser {
  let commands = 0;
  let dataPending = false;
  let hostsMasked = false;
  return {
    limits: () => (hostsMasked ? ['FluentFTP masked the host names in this log as *** (LogHost off): connections to them are not placed'] : []),
    parse(raw) {
      const { time, rest } = leadingTime(raw.replace(/^\[([^\]]+)\]\s*/, '$1 '));
      const m = FLUENT_LINE.exec(rest.trim());
      if (!m) {
        const outcome = /Exception: /.test(rest) ? outcomeOf(rest) : undefined;
        return outcome === 'no-answer' ? { items: [{ type: 'note', meaning: dataPending ? 'data-timeout' : 'control-timeout', text: rest.trim() }] } : undefined;
      }
      const label = m[1];
      const text = String(m[2]).replace(/\s+\[\d+(?:\.\d+)?ms\]$/, '').trim();
      const items: LogItem[] = [];
      if (label === 'Command' && isCommand(text)) {
        commands += 1;
        items.push({ type: 'command', text });
      } else if (label === 'Response' && REPLY_LINE.test(text)) {
        items.push({ type: 'reply-line', text });
        dataPending = /^22[79]/.test(text) || (dataPending && /^1\d\d/.test(text));
      } else {
        const connecting = /^Connecting to (\S+)/.exec(text);
        if (connecting && /^\*{3}/.test(String(connecting[1]))) hostsMasked = true;
        if (connecting) {
          const to = parseHostPort(String(connecting[1]));
          if (commands > 0 && dataPending) {
            if (to) items.push({ type: 'connect', role: 'data', openedBy: 'client', to });
          } else items.push({ type: 'connect', role: 'control', ...(to ? { to } : {}) });
        } else if (/timed out/i.test(text)) items.push({ type: 'note', meaning: dataPending ? 'data-timeout' : 'control-timeout', text });
        else if (outcomeOf(text) === 'refused') items.push({ type: 'connect-result', outcome: 'refused' });
      }
      return { ...(time ? { time } : {}), items };
    },
  };
}

export const fluentFtpReader = makeLogReader({
  format: 'fluentftp',
  description: "FluentFTP's log (Status:/Command:/Response: lines)",
  label: 'FluentFTP log',
  vantage: 'client',
  timings: false,
  signature: (lines) =>
    countLines(lines, /^(?:\[[^\]]+\]\s*)?(?:Command|Response):\s{2,}\S/) > 0 && countLines(lines, /^(?:\[[^\]]+\]\s*)?Status:\s{2,}\S|^>\s{2,}\w+\(/) > 0 ? 0.85 : 0,
  createParser: () => fluentParser(),
  limits: [CLIENT_LOG_LIMIT],
});

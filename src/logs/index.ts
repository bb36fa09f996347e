/**
 * Every log reader, most specific first (the order breaks ties in detection; the generic
 * transcript comes last and is the least sure). explain's reader list includes these.
 */
import type { EvidenceReader } from '../evidence/source.js';
import { basicFtpReader } from './clients/basic-ftp.js';
import { curlReader } from './clients/curl.js';
import { fileZillaReader } from './clients/filezilla.js';
import { fluentFtpReader } from './clients/fluentftp.js';
import { ftpDebugReader } from './clients/ftp-d.js';
import { ftplibReader } from './clients/ftplib.js';
import { genericTranscriptReader } from './clients/generic.js';
import { lftpReader } from './clients/lftp.js';
import { winscpReader } from './clients/winscp.js';
import { firewallReader } from './firewall.js';
import { fileZillaServerReader } from './servers/filezilla-server.js';
import { iisReader } from './servers/iis.js';
import { jsonLinesReader } from './servers/json-lines.js';
import { proftpdReader } from './servers/proftpd.js';
import { pureFtpdReader } from './servers/pureftpd.js';
import { pyftpdlibReader } from './servers/pyftpdlib.js';
import { serveTextReader } from './servers/serve-text.js';
import { vsftpdReader } from './servers/vsftpd.js';
import { xferlogReader } from './servers/xferlog.js';

export const LOG_READERS: readonly EvidenceReader[] = [
  vsftpdReader,
  xferlogReader,
  pyftpdlibReader,
  iisReader,
  proftpdReader,
  pureFtpdReader,
  fileZillaServerReader,
  jsonLinesReader,
  serveTextReader,
  firewallReader,
  ftplibReader,
  lftpReader,
  curlReader,
  winscpReader,
  basicFtpReader,
  fluentFtpReader,
  fileZillaReader,
  ftpDebugReader,
  genericTranscriptReader,
];

export { matchSessions, type SessionMatch, type SessionRef } from './match.js';
export { LogFormatError } from './errors.js';
export { readsSeveral, type LogEvidenceReader } from './reader.js';

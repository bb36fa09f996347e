/**
 * Which kind of file an input is — by content first (names lie: "config.txt"), the name to break
 * ties — and the parser for each kind. `--as KIND=FILE` forces a kind. Firewall formats are
 * recognised and read by src/preflight/firewalls.
 */
import path from 'node:path';
import { detectFirewallKind, FIREWALL_KINDS, type FirewallKind } from './firewalls/index.js';
import type { InputFacts } from './model.js';
import { parseCompose } from './publishing/compose.js';
import { parseDockerfile, parseDockerRunScript } from './publishing/docker-run.js';
import { parseKubernetes } from './publishing/kubernetes.js';
import { parseFileZillaSettings } from './servers/filezilla.js';
import { parseApplicationHostConfig, parseAppcmd } from './servers/iis.js';
import { parseProftpdConf, type IncludeReader } from './servers/proftpd.js';
import { isPureFtpdOptionFile, parsePureFtpdConf, parsePureFtpdOptionFile } from './servers/pure-ftpd.js';
import { parseServeCommands } from './servers/serve-flags.js';
import { parseVsftpdConf } from './servers/vsftpd.js';

export const SERVER_KINDS = ['vsftpd', 'proftpd', 'pure-ftpd-conf', 'pure-ftpd-option', 'iis', 'appcmd', 'filezilla', 'ftp-doctor-serve', 'docker-run', 'dockerfile', 'compose', 'kubernetes'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];
export type InputKind = ServerKind | FirewallKind;

export const ALL_KINDS: readonly InputKind[] = [...SERVER_KINDS, ...FIREWALL_KINDS];

export function isInputKind(value: string): value is InputKind {
  return (ALL_KINDS as readonly string[]).includes(value);
}

export function detectKind(file: string, text: string): InputKind | undefined {
  const name = path.basename(file);
  const head = text.slice(0, 64 * 1024);
  if (isPureFtpdOptionFile(file) && head.trim().split('\n').length <= 2) return 'pure-ftpd-option';
  if (/<system\.(ftpServer|applicationHost)\b/.test(head)) return 'iis';
  if (/<FileZillaServer\b|<filezilla\b[^>]*>|<passive_mode>/.test(head)) return 'filezilla';
  const firewall = detectFirewallKind(text, file);
  if (firewall) return firewall;
  if (/^apiVersion:\s*\S+/m.test(head) && /^kind:\s*\S+/m.test(head)) return 'kubernetes';
  if (/^services:\s*$/m.test(head)) return 'compose';
  if (/\bappcmd(\.exe)?\s+set\b/i.test(head)) return 'appcmd';
  if (/^FROM\s+\S+/im.test(head) && (/dockerfile|containerfile/i.test(name) || /^(CMD|ENTRYPOINT|ENV|RUN|EXPOSE)\s/m.test(head))) return 'dockerfile';
  if (/\b(docker|podman)\s+(container\s+)?run\b/.test(head)) return 'docker-run';
  if (/\bftp-doctor\s+serve\b/.test(head)) return 'ftp-doctor-serve';
  if (/^\s*(ServerType|PassivePorts|MasqueradeAddress|TLSEngine|DefaultRoot|ServerName|<VirtualHost|<Global>|<IfModule)\b/im.test(head) || /proftpd/i.test(name)) return 'proftpd';
  if (/^(listen|listen_ipv6|listen_port|anonymous_enable|local_enable|pasv_enable|pasv_min_port|pasv_max_port|pasv_address|ssl_enable)=/m.test(head) || /vsftpd/i.test(name)) return 'vsftpd';
  if (/^\s*(PassivePortRange|ForcePassiveIP|ChrootEveryone|NoAnonymous)\s/m.test(head) || /pure-ftpd\.conf$/i.test(name)) return 'pure-ftpd-conf';
  return undefined;
}

export function parseServerKind(kind: ServerKind, file: string, text: string, readInclude?: IncludeReader): InputFacts {
  switch (kind) {
    case 'vsftpd':
      return parseVsftpdConf(file, text);
    case 'proftpd':
      return parseProftpdConf(file, text, readInclude);
    case 'pure-ftpd-conf':
      return parsePureFtpdConf(file, text);
    case 'pure-ftpd-option':
      return parsePureFtpdOptionFile(file, text);
    case 'iis':
      return parseApplicationHostConfig(file, text);
    case 'appcmd':
      return parseAppcmd(file, text);
    case 'filezilla':
      return parseFileZillaSettings(file, text);
    case 'ftp-doctor-serve':
      return parseServeCommands(file, text);
    case 'docker-run':
      return parseDockerRunScript(file, text);
    case 'dockerfile':
      return parseDockerfile(file, text);
    case 'compose':
      return parseCompose(file, text);
    case 'kubernetes':
      return parseKubernetes(file, text);
  }
}

export function isServerKind(kind: InputKind): kind is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(kind);
}

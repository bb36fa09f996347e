/**
 * vsftpd.conf: `key=value` lines, no spaces around `=`, `#` comments at the start of a line
 * (vsftpd.conf(5)). A key set twice takes the last value, as vsftpd reads the file top down.
 */
import { isIPv4 } from 'node:net';
import { complain, fact, meaningfulLines, whereOf, yesNo } from '../lines.js';
import { emptyFacts, portNumber, type Fact, type InputFacts, type ServerFacts } from '../model.js';

/** The settings that decide the data channel; other well-formed keys are vsftpd's business. */
const RELEVANT = new Set(['listen_port', 'pasv_enable', 'pasv_min_port', 'pasv_max_port', 'pasv_address', 'pasv_addr_resolve', 'ssl_enable', 'implicit_ssl', 'force_local_logins_ssl', 'force_local_data_ssl', 'allow_anon_ssl', 'force_anon_logins_ssl']);

export function parseVsftpdConf(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'vsftpd');
  const settings = new Map<string, Fact<string>>();
  for (const line of meaningfulLines(text)) {
    const match = /^([A-Za-z_0-9]+)=(.*)$/.exec(line.text);
    if (!match) {
      complain(facts, whereOf(file, line), /^\s*[A-Za-z_0-9]+\s+=|=\s/.test(line.text) ? 'vsftpd allows no spaces around "=": it would refuse to start ("500 OOPS: unrecognised variable in config file")' : 'not a vsftpd.conf setting (key=value)');
      continue;
    }
    const key = (match[1] ?? '').toLowerCase();
    if (RELEVANT.has(key)) settings.set(key, fact((match[2] ?? '').trim(), whereOf(file, line)));
  }
  facts.servers.push(vsftpdServer(settings, facts));
  return facts;
}

/** The server the settings describe, with vsftpd's defaults where a setting is absent (said in notes). */
export function vsftpdServer(settings: Map<string, Fact<string>>, facts: InputFacts, product = 'vsftpd'): ServerFacts {
  const server: ServerFacts = { product };
  const flag = (key: string): Fact<boolean> | undefined => {
    const setting = settings.get(key);
    if (!setting) return undefined;
    const value = yesNo(setting.value);
    if (value === undefined) {
      complain(facts, setting.at, `${key} must be YES or NO`);
      return undefined;
    }
    return fact(value, setting.at);
  };
  const port = (key: string): Fact<number> | undefined => {
    const setting = settings.get(key);
    if (!setting) return undefined;
    const value = portNumber(setting.value);
    // pasv_min_port=0 / pasv_max_port=0 is vsftpd's "no limit", not a mistake.
    if (value === undefined && setting.value.trim() !== '0') complain(facts, setting.at, `${key} must be a port number (1-65535)`);
    return value === undefined ? undefined : fact(value, setting.at);
  };
  const listen = port('listen_port');
  if (listen) server.controlPort = listen;
  const passive = flag('pasv_enable');
  if (passive && !passive.value) server.passiveDisabled = fact(true, passive.at);
  const min = port('pasv_min_port');
  const max = port('pasv_max_port');
  if (min && max) {
    if (min.value > max.value) complain(facts, max.at, `pasv_max_port ${max.value} is below pasv_min_port ${min.value} (${min.at.file}:${min.at.line})`);
    else server.passiveRange = fact({ from: min.value, to: max.value }, max.at.line > min.at.line ? max.at : min.at);
  } else if (min || max) {
    const one = (min ?? max) as Fact<number>;
    server.passiveRange = fact(min ? { from: min.value, to: 65535 } : { from: 1024, to: one.value }, one.at);
    facts.notes.push(`${one.at.file}:${one.at.line}: only ${min ? 'pasv_min_port' : 'pasv_max_port'} is set, so vsftpd hands out ${min ? `${min.value}-65535` : `1024-${one.value}`}`);
  }
  const address = settings.get('pasv_address');
  if (address && address.value !== '') server.advertisedAddress = address;
  // vsftpd reads pasv_address with inet_aton when PASV comes, unless pasv_addr_resolve=YES
  // resolved it at start-up: a name then ends the session (seen with vsftpd 3.0.3; EPSV unaffected).
  if (address && address.value !== '' && !isIPv4(address.value) && flag('pasv_addr_resolve')?.value !== true) {
    // The value stays in the evidence (quoted, escaped by every renderer), never in this prose.
    server.pasvRefused = fact('pasv_address is not an IPv4 address and pasv_addr_resolve is not YES: vsftpd answers PASV with "500 OOPS: invalid pasv_address" and ends the session', address.at);
  }
  const ssl = flag('ssl_enable');
  const implicit = flag('implicit_ssl');
  if (ssl?.value) {
    server.tls = implicit?.value ? fact('implicit', implicit.at) : fact('explicit', ssl.at);
    // force_local_logins_ssl defaults to YES once ssl_enable=YES (vsftpd.conf(5)).
    const forced = flag('force_local_logins_ssl');
    server.tlsRequired = forced ?? fact(true, ssl.at);
    facts.notes.push(`${ssl.at.file}:${ssl.at.line}: TLS is required of local users (force_local_logins_ssl); anonymous logins follow allow_anon_ssl/force_anon_logins_ssl and may stay in clear`);
  } else if (ssl) {
    server.tls = fact('none', ssl.at);
  }
  return server;
}

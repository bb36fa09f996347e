/**
 * IIS FTP: applicationHost.config (the server-level <system.ftpServer><firewallSupport
 * lowDataChannelPort highDataChannelPort>, each FTP site's <ftpServer><firewallSupport
 * externalIp4Address> and <security><ssl controlChannelPolicy dataChannelPolicy>, its ftp
 * <binding>s; <siteDefaults> where a site says nothing) and the `appcmd set config` / `appcmd set
 * site` commands Microsoft's documents use to set the same. Written from the documented format:
 * IIS does not run here.
 */
import { complain, fact, meaningfulLines, shellWords, whereOf } from '../lines.js';
import { emptyFacts, portNumber, type Fact, type InputFacts, type ServerFacts, type TlsMode, type Where } from '../model.js';
import { readXml, type XmlElement } from '../xml.js';

const POLICIES = ['SslAllow', 'SslRequire', 'SslRequireCredentialsOnly'];

export function parseApplicationHostConfig(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'iis');
  const { elements, problems } = readXml(text);
  for (const problem of problems) complain(facts, { file, line: problem.line, text: '' }, problem.reason);
  const at = (element: XmlElement): Where => ({ file, line: element.line, text: element.tag });
  const server: ServerFacts = { product: 'IIS' };
  const within = (element: XmlElement, ...names: string[]): boolean => names.every((name) => element.ancestors.includes(name));
  let low: Fact<number> | undefined;
  let high: Fact<number> | undefined;
  const sites = elements.filter((element) => element.name === 'site' && element.ancestors.includes('sites'));
  const ftpSites = sites.filter((site, index) => elements.some((binding) => binding.name === 'binding' && binding.attributes.protocol === 'ftp' && binding.ancestors.includes('site') && binding.line > site.line && binding.line < (sites[index + 1]?.line ?? Infinity)));
  if (ftpSites.length > 1) facts.notes.push(`${file}: ${ftpSites.length} FTP sites; the prediction is for the first, "${ftpSites[0]?.attributes.name ?? '?'}" (line ${ftpSites[0]?.line})`);
  const firstSite = ftpSites[0];
  const nextSite = sites.find((element) => firstSite !== undefined && element.line > firstSite.line);
  const inFirstSite = (element: XmlElement): boolean => firstSite !== undefined && element.line > firstSite.line && (nextSite === undefined || element.line < nextSite.line) && element.ancestors.includes('site');
  let siteAddress: Fact<string> | undefined;
  let defaultAddress: Fact<string> | undefined;
  let sitePolicy: XmlElement | undefined;
  let defaultPolicy: XmlElement | undefined;
  for (const element of elements) {
    if (element.name === 'firewallSupport' && within(element, 'system.ftpServer')) {
      for (const [name, target] of [['lowDataChannelPort', 'low'], ['highDataChannelPort', 'high']] as const) {
        const value = element.attributes[name];
        if (value === undefined) continue;
        const port = portNumber(value);
        if (port === undefined && value !== '0') complain(facts, at(element), `${name}="${value}" is not a port number`);
        else if (port !== undefined) (target === 'low' ? (low = fact(port, at(element))) : (high = fact(port, at(element))));
      }
    } else if (element.name === 'firewallSupport' && element.attributes.externalIp4Address !== undefined) {
      const address = fact(element.attributes.externalIp4Address, at(element));
      if (inFirstSite(element)) siteAddress = address;
      else if (within(element, 'siteDefaults')) defaultAddress = address;
    } else if (element.name === 'ssl' && within(element, 'ftpServer', 'security')) {
      if (inFirstSite(element)) sitePolicy = element;
      else if (within(element, 'siteDefaults')) defaultPolicy = element;
    } else if (element.name === 'binding' && element.attributes.protocol === 'ftp' && inFirstSite(element)) {
      // bindingInformation="address:port:hostname"
      const port = portNumber((element.attributes.bindingInformation ?? '').split(':')[1] ?? '');
      if (port === undefined) complain(facts, at(element), 'an ftp binding must be "address:port:host"');
      else server.controlPort ??= fact(port, at(element));
    }
  }
  if (low && high) {
    if (low.value > high.value) complain(facts, high.at, 'highDataChannelPort is below lowDataChannelPort');
    else server.passiveRange = fact({ from: low.value, to: high.value }, high.at);
  } else {
    facts.notes.push(`${file}: no server-level firewallSupport range: IIS hands out ports from Windows' dynamic range (49152-65535 by default)`);
    server.passiveRange = fact({ from: 49152, to: 65535 }, { file, line: 1, text: 'IIS default: the dynamic port range 49152-65535' });
  }
  const address = siteAddress ?? defaultAddress;
  if (address && address.value !== '') server.advertisedAddress = address;
  const policy = sitePolicy ?? defaultPolicy;
  if (policy) applyPolicy(server, policy.attributes.controlChannelPolicy, at(policy), facts, server.controlPort?.value === 990);
  facts.servers.push(server);
  return facts;
}

function applyPolicy(server: ServerFacts, control: string | undefined, at: Where, facts: InputFacts, implicitPort: boolean): void {
  if (control === undefined) return;
  if (!POLICIES.includes(control)) return complain(facts, at, `controlChannelPolicy="${control}" is not one of ${POLICIES.join(', ')}`);
  const mode: TlsMode = implicitPort ? 'implicit' : 'explicit';
  server.tls = fact(mode, at);
  server.tlsRequired = fact(control !== 'SslAllow', at);
}

/**
 * appcmd lines (`%windir%\system32\inetsrv\appcmd set config … /section:system.ftpServer/
 * firewallSupport /lowDataChannelPort:5000 /highDataChannelPort:5100`, `… /siteDefaults.ftpServer.
 * firewallSupport.externalIp4Address:"203.0.113.5"`, `… ftpServer.security.ssl.controlChannelPolicy:
 * SslRequire`). Only the settings below are read; other appcmd lines are said as not read.
 */
export function parseAppcmd(file: string, text: string): InputFacts {
  const facts = emptyFacts(file, 'appcmd');
  const server: ServerFacts = { product: 'IIS' };
  let low: Fact<number> | undefined;
  let high: Fact<number> | undefined;
  for (const line of meaningfulLines(text, { comment: /^\s*(#|rem\s|::|REM\s)/ })) {
    if (!/appcmd/i.test(line.text)) continue;
    const at = whereOf(file, line);
    let read = false;
    for (const word of shellWords(line.text.replace(/\^$/, ''))) {
      const setting = /^[/-](?:.*\.)?(lowDataChannelPort|highDataChannelPort|externalIp4Address|controlChannelPolicy|dataChannelPolicy):(.*)$/i.exec(word);
      if (!setting) continue;
      read = true;
      const [, name = '', value = ''] = setting;
      const key = name.toLowerCase();
      if (key === 'lowdatachannelport' || key === 'highdatachannelport') {
        const port = portNumber(value);
        if (port === undefined) complain(facts, at, `${name}:${value} is not a port number`);
        else if (key === 'lowdatachannelport') low = fact(port, at);
        else high = fact(port, at);
      } else if (key === 'externalip4address') server.advertisedAddress = fact(value, at);
      else if (key === 'controlchannelpolicy') applyPolicy(server, value, at, facts, false);
    }
    if (!read) complain(facts, at, 'an appcmd command that sets none of the FTP firewall, address or TLS settings preflight reads');
  }
  if (low && high) server.passiveRange = fact({ from: low.value, to: high.value }, high.at);
  else if (low || high) complain(facts, (low ?? high)!.at, 'only one end of the data channel range is set');
  facts.servers.push(server);
  return facts;
}

/**
 * A modprobe.d file (/etc/modprobe.d/*.conf): what it says about nf_conntrack_ftp, the kernel's FTP
 * helper. `options nf_conntrack_ftp ports=21,2121` makes it watch those control ports (one helper
 * per port: "ftp" for 21, "ftp-2121" for the others); `blacklist`/`install … /bin/false` keep it
 * from loading. Lines about other modules are understood and have no bearing on FTP.
 */
import { emptyFacts, type FirewallFacts } from './model.js';
import { checkedLines, parsePortRange, provenance } from './text.js';

const FTP_MODULES = /^(nf_conntrack_ftp|ip_conntrack_ftp|nf_nat_ftp)$/;

export function parseModprobe(file: string, text: string): FirewallFacts {
  const facts = emptyFacts('modprobe', file);
  for (const line of checkedLines(file, text)) {
    const statement = line.text.trim();
    if (statement === '' || statement.startsWith('#')) continue;
    const at = provenance(file, line.number, statement);
    const [command = '', module = '', ...rest] = statement.split(/\s+/);
    if (!['options', 'blacklist', 'install', 'remove', 'alias', 'softdep'].includes(command)) {
      facts.notUnderstood.push({ at, reason: `"${command}" is not a modprobe.d command` });
      continue;
    }
    if (!FTP_MODULES.test(module.replace(/-/g, '_'))) continue; // another module: nothing about FTP
    if (command === 'blacklist' || (command === 'install' && /\/(false|true)\b/.test(rest.join(' ')))) {
      facts.ftpInspection.push({ kind: 'module-ports', enabled: false, name: module, at });
      continue;
    }
    if (command !== 'options') continue;
    for (const option of rest) {
      const [key, value = ''] = option.split('=');
      if (key === 'ports') {
        const ports: number[] = [];
        for (const item of value.split(',')) {
          const range = parsePortRange(item);
          if (typeof range === 'string' || range.from !== range.to || range.from === 0) {
            facts.notUnderstood.push({ at, reason: typeof range === 'string' ? range : `"${item}" is not one port` });
          } else ports.push(range.from);
        }
        // The module takes at most 8 ports (MAX_PORTS); more and it refuses to load.
        if (ports.length > 8) facts.notUnderstood.push({ at, reason: `${ports.length} ports: nf_conntrack_ftp takes at most 8, and does not load with more` });
        facts.ftpInspection.push({ kind: 'module-ports', enabled: ports.length > 0 && ports.length <= 8, name: module, ports, at });
      } else if (key !== 'loose') facts.notUnderstood.push({ at, reason: `option ${key} of ${module} is not understood` });
    }
  }
  return facts;
}

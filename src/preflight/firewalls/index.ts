/**
 * The firewall half of `preflight`: recognise a file's format and read it into FirewallFacts.
 * Parsers are pure (text in, facts out); reading the file is the caller's business.
 */
import { FirewallParseError, type FirewallFacts, type FirewallKind } from './model.js';
import { parseAwsSecurityGroups } from './aws.js';
import { parseAzureNsg, parseGcpFirewall } from './azure-gcp.js';
import { parseFirewalldList, parseFirewalldZone } from './firewalld.js';
import { parseIptablesSave } from './iptables.js';
import { parseModprobe } from './modprobe.js';
import { parseNftJson } from './nft-json.js';
import { parseTerraformSecurityGroups } from './terraform.js';
import { parseUfw } from './ufw.js';
import { parseNetshGlobal, parseNetshRules } from './windows.js';
import { parseNftText } from './nft-text.js';

export * from './model.js';
export { evaluateTcp, type TcpQuery, type TcpVerdict } from './evaluate.js';
export { translateDestination, type DnatResult } from './nat.js';

type Parser = (file: string, text: string) => FirewallFacts;

/** Every kind has its reader. */
const PARSERS: Record<FirewallKind, Parser> = {
  nftables: parseNftText,
  'nftables-json': parseNftJson,
  'iptables-save': parseIptablesSave,
  modprobe: parseModprobe,
  'firewalld-zone': parseFirewalldZone,
  'firewalld-list': parseFirewalldList,
  ufw: parseUfw,
  'netsh-rules': parseNetshRules,
  'netsh-global': parseNetshGlobal,
  'aws-security-groups': parseAwsSecurityGroups,
  'terraform-security-group': parseTerraformSecurityGroups,
  'azure-nsg': parseAzureNsg,
  'gcp-firewall': parseGcpFirewall,
};

/** The formats readFirewallFile reads (for `--as KIND=FILE`). */
export const FIREWALL_KINDS = Object.keys(PARSERS) as readonly FirewallKind[];

/**
 * The format of a file, by content first (names lie: "rules.txt"), the name only to break ties.
 * Undefined: not a firewall format this folder reads (it may be a server config).
 */
export function detectFirewallKind(text: string, fileName: string): FirewallKind | undefined {
  const head = text.slice(0, 64 * 1024);
  const name = fileName.toLowerCase();
  const trimmed = head.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (/"nftables"\s*:/.test(head)) return 'nftables-json';
    if (/"SecurityGroups"\s*:|"IpPermissions"\s*:/.test(head)) return 'aws-security-groups';
    if (/"securityRules"\s*:|Microsoft\.Network\/networkSecurityGroups|"destinationPortRanges?"\s*:/i.test(head)) return 'azure-nsg';
    if (/compute#firewall|"sourceRanges"\s*:|"allowed"\s*:\s*\[\s*\{\s*"IPProtocol"/.test(head)) return 'gcp-firewall';
    return undefined;
  }
  if (/^\s*<zone[\s>]/m.test(head)) return 'firewalld-zone';
  if (/^\s*resource\s+"aws_(vpc_)?security_group/m.test(head)) return 'terraform-security-group';
  if (/^\s*options\s+nf_conntrack_ftp\b/m.test(head)) return 'modprobe';
  if (/^\*(filter|nat|raw|mangle|security)\s*$/m.test(head) || /^-A \S+ /m.test(head) && /^:\S+ (ACCEPT|DROP|-)/m.test(head)) return 'iptables-save';
  if (/^\s*(sudo\s+)?ip6?tables(-legacy|-nft)?\s+(-t\s+\w+\s+)?(-[AIPN]|--append|--insert|--policy)\s/m.test(head)) return 'iptables-save';
  if (/^\s*(table\s+(ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{|flush ruleset\s*$)/m.test(head)) return 'nftables';
  if (/^\s*((sudo\s+)?nft\s+)?['"]?(add|insert)\s+(rule|chain|table)\s+(ip|ip6|inet|netdev)\s/m.test(head)) return 'nftables';
  if (/^Status: (active|inactive)/m.test(head) && /^(Default:|To\s+Action\s+From)/m.test(head)) return 'ufw';
  if (/^Status: inactive\s*$/m.test(head) && name.includes('ufw')) return 'ufw';
  // [ \t], not \s: a compose file's top-level "services:" after a blank line is not this.
  if (/^\S.*\(active\)[ \t]*$|^[ \t]+target: /m.test(head) && /^[ \t]+services:/m.test(head)) return 'firewalld-list';
  if (/^\s*StatefulFtp\s/im.test(head)) return 'netsh-global';
  // Rule blocks: "Rule Name: …" (English), or in any locale a name line, a line of dashes, and "Label: value" lines.
  if (/^Rule Name:\s/m.test(head) || /^[^\n:]+:[^\n]*\r?\n-{30,}[ \t]*\r?\n[^\n:]+:[ \t]+\S/m.test(head)) return 'netsh-rules';
  if (name.endsWith('.tf') && /aws_security_group/.test(head)) return 'terraform-security-group';
  if (/modprobe\.d\//.test(name) && /nf_conntrack_ftp/.test(head)) return 'modprobe';
  return undefined;
}

/**
 * Read one file's text into facts. `kind` forces the format (`--as KIND=FILE`); otherwise it is
 * detected. Throws FirewallParseError (file:line) on input that cannot be read at all; lines it
 * reads but does not understand are in the result's notUnderstood, never dropped.
 */
export function readFirewallFile(file: string, text: string, kind?: FirewallKind): FirewallFacts {
  const chosen = kind ?? detectFirewallKind(text, file);
  if (!chosen) throw new FirewallParseError(file, 1, 'not a firewall format preflight reads');
  return PARSERS[chosen](file, text);
}

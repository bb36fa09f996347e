/** Windows Firewall with Advanced Security, through netsh (Microsoft, "Configuring FTP Firewall Settings in IIS 7"; docs/sources.md). */
import { dash, firewallRangeWords, type ProductRemedies } from './types.js';

export const windowsFirewall: ProductRemedies = {
  product: 'Windows Firewall',
  kind: 'network',
  onlyWithServers: ['IIS', 'FileZilla Server'],
  table: {
    'open-control': (context) => ({
      product: 'Windows Firewall',
      text: `Allow the control port ${context.controlPort} inbound on the FTP server.`,
      commands: [`netsh advfirewall firewall add rule name="FTP control" action=allow protocol=TCP dir=in localport=${context.controlPort}`],
    }),
    'open-passive-range': (context) => ({
      product: 'Windows Firewall',
      text:
        `For plain FTP, stateful FTP filtering opens data ports by reading the PASV replies; ` +
        `or allow the passive range ${firewallRangeWords(context)} inbound explicitly (needed for FTPS).`,
      commands: [
        'netsh advfirewall set global StatefulFtp enable',
        `netsh advfirewall firewall add rule name="FTP passive range" action=allow protocol=TCP dir=in localport=${dash(context.range)}`,
      ],
    }),
    'tls-inspection': () => ({
      product: 'Windows Firewall',
      text:
        'Stateful FTP filtering cannot read encrypted control traffic, so it never opens data ports for FTPS. ' +
        'Allow the FTP service itself (it may then listen on any port it opens) and turn stateful FTP filtering off.',
      commands: [
        'netsh advfirewall firewall add rule name="FTP service (FTPS)" service=ftpsvc action=allow protocol=TCP dir=in',
        'netsh advfirewall set global StatefulFtp disable',
      ],
    }),
    'epsv-inspection': (context) => ({
      product: 'Windows Firewall',
      text: `Do not rely on stateful FTP filtering for EPSV: allow the passive range ${dash(context.range)} inbound explicitly.`,
      commands: [`netsh advfirewall firewall add rule name="FTP passive range" action=allow protocol=TCP dir=in localport=${dash(context.range)}`],
    }),
    'active-inbound': () => ({
      product: 'Windows Firewall',
      text:
        'Active mode needs the server to connect out (usually from port 20) and the client to accept that connection: ' +
        'allow it outbound on the server, and inbound on a Windows client.',
      commands: ['netsh advfirewall firewall add rule name="FTP active data out" action=allow protocol=TCP dir=out localport=20'],
    }),
  },
};

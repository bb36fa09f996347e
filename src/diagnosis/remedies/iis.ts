/** IIS 7+ FTP service: firewallSupport in applicationHost.config (the IIS firewall documents in docs/sources.md). */
import { rangeWords, type ProductRemedies } from './types.js';

const APPCMD = '%windir%\\system32\\inetsrv\\appcmd.exe';

export const iis: ProductRemedies = {
  product: 'IIS',
  kind: 'server',
  table: {
    'open-control': () => ({
      product: 'IIS',
      text: 'Make sure the Microsoft FTP Service is running and the FTP site has a binding on the control port.',
      commands: ['net start ftpsvc'],
    }),
    'passive-range': (context) => ({
      product: 'IIS',
      text:
        `Set the server-wide data channel port range (FTP Firewall Support) to ${rangeWords(context)}. ` +
        'The default "0-0" means the Windows dynamic port range (49152-65535), which no firewall rule of yours covers. ' +
        'Restart the FTP service afterwards.',
      commands: [
        `${APPCMD} set config -section:system.ftpServer/firewallSupport /lowDataChannelPort:"${context.range.from}" /highDataChannelPort:"${context.range.to}" /commit:apphost`,
        'net stop ftpsvc && net start ftpsvc',
      ],
    }),
    'public-address': (context) => ({
      product: 'IIS',
      text:
        `Set the FTP site's "External IP Address of Firewall" (externalIp4Address) to ${context.publicAddress}, ` +
        'the address clients connect to; it is a per-site setting.',
      commands: [
        `${APPCMD} set config -section:system.applicationHost/sites /[name='<FTP site name>'].ftpServer.firewallSupport.externalIp4Address:"${context.publicAddress}" /commit:apphost`,
      ],
    }),
    'session-reuse': () => ({
      product: 'IIS',
      text: 'IIS accepts data connections without session resumption; if IIS sits behind a TLS-terminating proxy, the proxy is the one refusing.',
    }),
    'auth-tls': () => ({ product: 'IIS', text: 'In the FTP site\'s SSL Settings, select a server certificate and allow (or require) SSL connections.' }),
    'tls-required': () => ({
      product: 'IIS',
      text: 'The FTP site\'s SSL Settings require SSL ("534 Policy requires SSL."): connect with ftpes://, or set the policy to Allow SSL connections to accept clear text.',
    }),
    certificate: () => ({
      product: 'IIS',
      text: 'Bind a certificate whose name matches the host clients use (FTP SSL Settings of the site), issued by a CA the clients trust.',
    }),
    login: () => ({
      product: 'IIS',
      text: 'Check that the site enables the authentication you use (Basic or Anonymous) and that an FTP Authorization Rule allows the user.',
    }),
  },
};

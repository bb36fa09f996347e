/** ProFTPD: directives in proftpd.conf (or a <VirtualHost>); reload after a change. */
import { rangeWords, type ProductRemedies } from './types.js';

const product = 'ProFTPD';

export const proftpd: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'passive-range': (context) => ({
      product,
      text: `Hand out passive ports only from ${rangeWords(context)}.`,
      commands: [`PassivePorts ${context.range.from} ${context.range.to}`],
    }),
    'public-address': (context) => ({
      product,
      text: `Advertise ${context.publicAddress} in 227 replies instead of the server's own address.`,
      commands: [`MasqueradeAddress ${context.publicAddress}`],
    }),
    'passive-enable': () => ({
      product,
      text: 'ProFTPD answers PASV and EPSV unless a <Limit PASV> or <Limit EPSV> section denies them: find it and remove the DenyAll.',
      commands: ['grep -rn -A3 -E "<Limit[^>]*(PASV|EPSV)" /etc/proftpd/'],
    }),
    'epsv-refused': () => ({
      product,
      text: 'ProFTPD supports EPSV; a refusal comes from a <Limit EPSV> section (remove its DenyAll) or from a filter in front of the server.',
      commands: ['grep -rn -A3 -E "<Limit[^>]*EPSV" /etc/proftpd/'],
    }),
    'session-limit': () => ({
      product,
      text: 'ProFTPD limits connections per client address (MaxConnectionsPerHost) and in total (MaxClients); allow at least a few per address, since clients open several at once.',
      commands: ['MaxConnectionsPerHost 10', 'MaxClients 200'],
    }),
    'data-protection': () => ({
      product,
      text: 'mod_tls answers PROT P when TLS is on for this virtual host; check that TLSEngine is on where the session landed.',
      commands: ['TLSEngine on'],
    }),
    'active-enable': () => ({
      product,
      text: 'ProFTPD answers "500 Illegal PORT command" when the PORT address is not the control peer (a client behind NAT); allow it only if you understand the FXP risk.',
      commands: ['AllowForeignAddress on'],
    }),
    'session-reuse': () => ({
      product,
      text:
        'mod_tls rejects TLS data connections that do not reuse the control session ("425 Unable to build data connection: Operation not permitted"). ' +
        'Prefer a client that resumes sessions, or relax the check.',
      commands: ['TLSOptions NoSessionReuseRequired'],
    }),
    'foreign-source': () => ({
      product,
      text:
        'ProFTPD closes passive data connections from another address without a word (it logs "SECURITY VIOLATION: Passive connection from ... rejected"). ' +
        'Fix the NAT so one client keeps one source address, or allow foreign addresses.',
      commands: ['AllowForeignAddress on'],
    }),
    'auth-tls': () => ({ product, text: 'Enable mod_tls for the server.', commands: ['TLSEngine on', 'TLSProtocol TLSv1.2 TLSv1.3'] }),
    'tls-required': () => ({
      product,
      text: 'TLSRequired on refuses clear-text logins ("550 SSL/TLS required on the control channel"): connect with ftpes://.',
      commands: ['TLSRequired on'],
    }),
    certificate: () => ({ product, text: 'Set TLSRSACertificateFile / TLSRSACertificateKeyFile to a certificate for the name clients use.' }),
    'slow-transfer': () => ({
      product,
      text: 'ProFTPD throttles transfers with TransferRate (mod_xfer), per command and optionally per user, group or class: look for one that matches this login and raise or remove it.',
      commands: ['grep -rn TransferRate /etc/proftpd/'],
    }),
  },
};

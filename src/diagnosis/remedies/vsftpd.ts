/** vsftpd: settings in /etc/vsftpd.conf (restart vsftpd after a change). */
import { rangeWords, type ProductRemedies } from './types.js';

const product = 'vsftpd';

export const vsftpd: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'open-control': () => ({ product, text: 'Check that vsftpd is running and listening (listen=YES or listen_ipv6=YES).', commands: ['systemctl status vsftpd'] }),
    'passive-range': (context) => ({
      product,
      text: `Hand out passive ports only from ${rangeWords(context)} (vsftpd.conf).`,
      commands: ['pasv_enable=YES', `pasv_min_port=${context.range.from}`, `pasv_max_port=${context.range.to}`],
    }),
    'public-address': (context) => ({
      product,
      text:
        `Put the address clients reach, ${context.publicAddress}, into 227 replies (vsftpd.conf). ` +
        'With a DNS name instead of an address, add pasv_addr_resolve=YES.',
      commands: [`pasv_address=${context.publicAddress}`],
    }),
    'passive-enable': () => ({ product, text: 'Passive mode is switched off in vsftpd.conf; switch it on.', commands: ['pasv_enable=YES'] }),
    'session-limit': () => ({
      product,
      text:
        'vsftpd turns away sessions beyond max_per_ip from one client address, and beyond max_clients in total, with 421 (0 means no limit; standalone mode only). ' +
        'Clients open several connections at once (a transfer beside the browsing session): allow at least a few per address.',
      commands: ['max_per_ip=10', 'max_clients=200'],
    }),
    'data-protection': () => ({
      product,
      text: 'vsftpd accepts PBSZ/PROT P once TLS is on (ssl_enable=YES); check that the session that was refused reached the same vsftpd instance.',
      commands: ['ssl_enable=YES'],
    }),
    'active-enable': () => ({
      product,
      text: 'Allow active mode (vsftpd.conf). vsftpd refuses a PORT address other than the control peer unless port_promiscuous=YES, which you should not need.',
      commands: ['port_enable=YES'],
    }),
    'active-inbound': () => ({
      product,
      text: 'Active connections leave from port 20 when connect_from_port_20=YES; the server-side outbound rule must match that source port.',
      commands: ['connect_from_port_20=YES'],
    }),
    'session-reuse': () => ({
      product,
      text:
        'vsftpd rejects TLS data connections that do not resume the control session when require_ssl_reuse=YES (the default). ' +
        'Prefer a client that resumes sessions; turning the check off weakens protection against data connection theft.',
      commands: ['require_ssl_reuse=NO'],
    }),
    'foreign-source': () => ({
      product,
      text:
        'vsftpd refuses passive data connections from any address but the control peer ("425 Security: Bad IP connecting."). ' +
        'Fix the NAT so one client keeps one source address; pasv_promiscuous=YES disables the check, at a security cost.',
      commands: ['pasv_promiscuous=YES'],
    }),
    'auth-tls': () => ({
      product,
      text: 'Enable TLS in vsftpd.conf with a certificate and key.',
      commands: ['ssl_enable=YES', 'rsa_cert_file=/etc/ssl/certs/ftp.pem', 'rsa_private_key_file=/etc/ssl/private/ftp.key'],
    }),
    certificate: () => ({ product, text: 'Point rsa_cert_file/rsa_private_key_file at a certificate for the name clients use, from a CA they trust.' }),
    'tls-required': () => ({
      product,
      text: 'force_local_logins_ssl=YES (with ssl_enable=YES) refuses clear-text logins: keep it and connect with ftpes://; switching it off sends passwords in clear text.',
      commands: ['force_local_logins_ssl=YES'],
    }),
    login: () => ({
      product,
      text: 'Check local_enable / anonymous_enable and, if logins need TLS first (force_local_logins_ssl=YES), connect with ftpes://.',
    }),
    'slow-transfer': () => ({
      product,
      text: 'vsftpd throttles transfers to local_max_rate (local users) and anon_max_rate (anonymous) bytes per second; 0 means no limit. Check both in vsftpd.conf.',
      commands: ['grep -E "^(local|anon)_max_rate" /etc/vsftpd.conf'],
    }),
  },
};

/** What the person at the client can change: mode, address policy, TLS options. */
import type { ProductRemedies } from './types.js';

const product = 'Client';

export const client: ProductRemedies = {
  product,
  kind: 'network',
  table: {
    resolve: (context) => ({
      product,
      text:
        'Check the spelling of the host name and that it is published in DNS. getent asks the same resolver the probe used; dig asks a DNS server directly, ' +
        'which tells a missing name from a local resolver problem. Names only known inside a company network need its VPN or resolver; or probe the IP address itself.',
      commands: [`getent hosts ${context.host ?? '<host name>'}`, `dig +short ${context.host ?? '<host name>'}`, 'cat /etc/resolv.conf'],
    }),
    'open-control': (context) => ({ product, text: `Check the host name and port (${context.controlPort}); try from another network to tell a local firewall from the server's.` }),
    'public-address': () => ({
      product,
      text:
        'Until the server is fixed, tell the client to ignore the address in 227 replies and reuse the control connection\'s address ' +
        '(curl does this by default since 7.74; lftp: set ftp:ignore-pasv-address yes; FileZilla: passive mode falls back to the server\'s external address).',
      commands: ['curl --ftp-skip-pasv-ip ftp://...', 'lftp -e "set ftp:ignore-pasv-address yes"'],
    }),
    'tls-inspection': () => ({
      product,
      text: 'If the server allows it, clear the control channel after login (CCC) so inspection can read the data port replies again; this exposes commands, not the password.',
      commands: ['curl --ftp-ssl-ccc ftp://...'],
    }),
    'epsv-inspection': () => ({
      product,
      text: 'Use PASV instead of EPSV until the firewall is fixed.',
      commands: ['curl --disable-epsv ftp://...', 'lftp -e "set ftp:prefer-epsv no"'],
    }),
    'epsv-refused': () => ({
      product,
      text: 'Use PASV where EPSV is refused (IPv4 only: over IPv6 there is no PASV to fall back to).',
      commands: ['curl --disable-epsv ftp://...', 'lftp -e "set ftp:prefer-epsv no"'],
    }),
    'passive-enable': () => ({ product, text: 'Until passive mode is switched on, only active mode (PORT/EPRT) can work, and only if the server can reach this client.', commands: ['curl --ftp-port - ftp://...'] }),
    'session-limit': () => ({
      product,
      text:
        'Open fewer connections at once (FileZilla: Settings > Transfers > Maximum simultaneous transfers), or probe one mode at a time. ' +
        'The probe itself opens one session per data mode, all at once.',
      commands: ['ftp-doctor probe --modes pasv ftp://...'],
    }),
    'data-protection': () => ({
      product,
      text: 'The server would not encrypt data connections (PROT P). If a clear-text data channel is acceptable, a client can use PROT C; otherwise the server must be fixed.',
    }),
    'session-lost': () => ({
      product,
      text:
        'The control connection ended without a reply (at login, or while a data channel was set up). Re-run to see whether it repeats; a firewall or IPS that resets ' +
        'FTP sessions, or a server that crashes or drops the session, looks like this — the transcript shows the last exchange.',
    }),
    'active-enable': () => ({ product, text: 'Use passive mode (PASV/EPSV); it needs nothing from the client\'s firewall.', commands: ['curl ftp://... (passive is the default)'] }),
    'active-inbound': () => ({
      product,
      text: 'Use passive mode. Active mode needs the server to reach the client, which a client behind NAT or a host firewall usually prevents.',
    }),
    'active-private-address': (context) => ({
      product,
      text:
        'Use passive mode (EPSV/PASV, the default of curl, lftp and FileZilla): the client then connects out and its NAT needs nothing. ' +
        'If active mode is required, make the client announce its public address instead of its private one, and forward the data port(s) on its NAT to this host' +
        `${context.clientListen ? ` (the probe listened on port ${context.clientListen.port})` : ''}.`,
      commands: ['curl ftp://... (passive is the default)', 'curl --ftp-port <public address>:<first>-<last> ftp://...', 'lftp -e "set ftp:port-ipv4 <public address>; set ftp:port-range <first>-<last>"'],
    }),
    'session-reuse': () => ({
      product,
      text: 'Use a client that resumes the control TLS session on data connections (curl, lftp, FileZilla, WinSCP do; Python ftplib needs the session passed to wrap_socket).',
    }),
    'idle-timeout': () => ({
      product,
      text:
        'Keep the control connection from looking idle while a long transfer runs: TCP keepalive probes on it (curl sends them; set the interval ' +
        'below the NAT idle timeout), or a client that sends NOOP on the control connection during transfers, where the client offers it.',
      commands: ['curl --keepalive-time 60 ftp://...'],
    }),
    'auth-tls': (context) => ({
      product,
      text:
        context.tlsMode === 'implicit'
          ? 'If the server also offers explicit TLS (AUTH TLS on port 21), try ftpes://; or ask for the filter in between to be relaxed.'
          : 'If a firewall in between blocks AUTH TLS, try implicit TLS (ftps://, port 990) if the server offers it, or ask for the filter to be relaxed.',
    }),
    login: () => ({ product, text: 'Check the user name and password; if the server wants TLS before login, use ftpes://.' }),
    certificate: () => ({ product, text: 'Verify the certificate fingerprint out of band before trusting it; do not turn verification off wholesale.' }),
    'slow-transfer': () => ({
      product,
      text:
        'If the path is merely slow (a big listing over a thin link), give the transfer more time; a healthy server whose data trickles in at a few bytes ' +
        'a second points at something in between holding the data back (an IPS or proxy): compare from another network.',
      commands: ['ftp-doctor probe --transfer-timeout 60000 ftp://...', 'ftp-doctor probe --retrieve /file --retrieve-timeout 900000 ftp://...', 'maxTransferMs: 60000   (check policy)'],
    }),
    'file-refused': () => ({
      product,
      text:
        'Check the path: list the directory it should be in and compare the name letter for letter (FTP paths are case-sensitive and count from the ' +
        'login\'s home or chroot directory, not the server\'s file system root). If the file is there, the login user may not read it: check its ' +
        'permissions and the server\'s access rules for this user. The network is not the problem: the server answered on the control connection.',
      commands: ['curl --list-only ftp://.../<directory>/', 'lftp -e "cls -l <directory>; quit" ftp://...'],
    }),
  },
};

/** Pure-FTPd: command-line switches, or one file per setting under /etc/pure-ftpd/conf on Debian. */
import { colon, rangeWords, type ProductRemedies } from './types.js';

const product = 'Pure-FTPd';

export const pureFtpd: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'passive-range': (context) => ({
      product,
      text: `Hand out passive ports only from ${rangeWords(context)} (-p first:last).`,
      commands: [`pure-ftpd -p ${colon(context.range)} ...`, `echo "${context.range.from} ${context.range.to}" > /etc/pure-ftpd/conf/PassivePortRange`],
    }),
    'public-address': (context) => ({
      product,
      text: `Force ${context.publicAddress} into passive replies (-P address).`,
      commands: [`pure-ftpd -P ${context.publicAddress} ...`, `echo "${context.publicAddress}" > /etc/pure-ftpd/conf/ForcePassiveIP`],
    }),
    'session-limit': () => ({
      product,
      text: 'Pure-FTPd turns away sessions beyond -C (per client address) and -c (in total); allow at least a few per address, since clients open several at once.',
      commands: ['pure-ftpd -C 10 -c 200 ...', 'echo 10 > /etc/pure-ftpd/conf/MaxClientsPerIP', 'echo 200 > /etc/pure-ftpd/conf/MaxClientsNumber'],
    }),
    'auth-tls': () => ({
      product,
      text:
        'Pure-FTPd answers AUTH TLS with "500 This security scheme is not implemented" when TLS is off. Start it with --tls=1 (TLS allowed) or --tls=2 (required for logins), ' +
        'with the certificate and key in /etc/ssl/private/pure-ftpd.pem; on Debian, write the level to /etc/pure-ftpd/conf/TLS and restart.',
      commands: ['pure-ftpd --tls=1 ...', 'echo 1 > /etc/pure-ftpd/conf/TLS', 'systemctl restart pure-ftpd'],
    }),
    'tls-required': () => ({
      product,
      text: 'TLS level 2 or 3 (--tls=2/3) refuses clear-text sessions: connect with ftpes://; a lower level accepts clear-text passwords.',
    }),
    'foreign-source': () => ({
      product,
      text: 'Pure-FTPd drops passive data connections from another address than the control peer unless FXP is allowed (-w or -W); fixing the NAT is the safer change.',
    }),
    'slow-transfer': () => ({
      product,
      text: 'Pure-FTPd limits bandwidth with -t (anonymous) and -T (other users), in KB/s, and per virtual user with pure-pw; check the options it runs with.',
      commands: ['ps -o args= -C pure-ftpd', 'cat /etc/pure-ftpd/conf/AnonymousBandwidth /etc/pure-ftpd/conf/UserBandwidth'],
    }),
  },
};

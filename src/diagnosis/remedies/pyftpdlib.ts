/**
 * pyftpdlib: attributes of the handler (FTPHandler, TLS_FTPHandler) and the server object in the
 * script that starts it; restart the script after a change.
 */
import { rangeWords, type ProductRemedies } from './types.js';

const product = 'pyftpdlib';

export const pyftpdlib: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'open-control': (context) => ({
      product,
      text: `Check that the server script runs and listens on port ${context.controlPort} on an address clients reach (not 127.0.0.1).`,
      commands: [`python3 -m pyftpdlib -i 0.0.0.0 -p ${context.controlPort}`],
    }),
    'passive-range': (context) => ({
      product,
      text: `Hand out passive ports only from ${rangeWords(context)} (the handler's passive_ports; range() excludes its end).`,
      commands: [`handler.passive_ports = range(${context.range.from}, ${context.range.to + 1})`],
    }),
    'public-address': (context) => ({
      product,
      text: `Advertise ${context.publicAddress} in 227 replies instead of the server's own address.`,
      commands: [`handler.masquerade_address = '${context.publicAddress}'`],
    }),
    'session-limit': () => ({
      product,
      text: 'pyftpdlib turns away sessions beyond max_cons_per_ip from one address and max_cons in total; allow at least a few per address, since clients open several at once.',
      commands: ['server.max_cons_per_ip = 10', 'server.max_cons = 256'],
    }),
    'foreign-source': () => ({
      product,
      text:
        'pyftpdlib refuses data connections from another address than the control peer ("425 Rejected data connection from foreign address"). ' +
        'Fix the NAT so one client keeps one source address; permit_foreign_addresses allows them, at a security cost (FXP).',
      commands: ['handler.permit_foreign_addresses = True'],
    }),
    'active-enable': () => ({
      product,
      text: 'pyftpdlib refuses a PORT address other than the control peer ("501 Rejected data connection to foreign address") unless permit_foreign_addresses is set.',
      commands: ['handler.permit_foreign_addresses = True'],
    }),
    'auth-tls': () => ({
      product,
      text: 'TLS needs the TLS_FTPHandler (with pyOpenSSL installed) and a certificate; the plain FTPHandler answers AUTH with 500.',
      commands: ['from pyftpdlib.handlers import TLS_FTPHandler', "handler = TLS_FTPHandler; handler.certfile = '/etc/ssl/private/ftp.pem'"],
    }),
    'data-protection': () => ({
      product,
      text: 'PROT P needs the TLS_FTPHandler; tls_data_required makes it mandatory.',
      commands: ['handler.tls_data_required = True'],
    }),
    login: () => ({
      product,
      text: 'Check the authorizer: the user must be added with that password and a home directory (DummyAuthorizer.add_user, or add_anonymous for anonymous logins).',
      commands: ["authorizer.add_user('<user>', '<password>', '<home>', perm='elr')"],
    }),
    'tls-required': () => ({
      product,
      text: 'tls_control_required refuses clear-text logins ("550 SSL/TLS required on the control channel"): connect with ftpes://.',
      commands: ['handler.tls_control_required = True'],
    }),
    certificate: () => ({ product, text: 'Point the TLS_FTPHandler\'s certfile (and keyfile) at a certificate for the name clients use.' }),
  },
};

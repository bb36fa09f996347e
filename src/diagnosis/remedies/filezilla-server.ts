/** FileZilla Server: settings in its administration interface. */
import { rangeWords, type ProductRemedies } from './types.js';

const product = 'FileZilla Server';

export const filezillaServer: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'passive-range': (context) => ({
      product,
      text: `In the server settings for passive mode, use a custom port range: ${rangeWords(context)}.`,
    }),
    'public-address': (context) => ({
      product,
      text: `In the server settings for passive mode, set the public IPv4 address used in passive replies to ${context.publicAddress}.`,
    }),
    'session-reuse': () => ({
      product,
      text:
        'FileZilla Server refuses TLS data connections that do not resume the control session ("TLS session of data connection not resumed"). ' +
        'Use a client that resumes sessions (FileZilla, WinSCP, curl, lftp).',
    }),
    'auth-tls': () => ({ product, text: 'In the server settings for FTP over TLS, install a certificate and allow explicit FTP over TLS.' }),
    'tls-required': () => ({ product, text: 'The server requires FTP over TLS ("This server does not allow plain FTP"): connect with ftpes://.' }),
    certificate: () => ({ product, text: 'Install a certificate for the name clients use in the FTP over TLS settings.' }),
  },
};

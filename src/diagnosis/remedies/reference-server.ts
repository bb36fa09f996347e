/** Our own reference server, for pre-deployment checks on the target host. */
import { dash, type ProductRemedies } from './types.js';

const product = 'ftp-doctor serve';

export const referenceServer: ProductRemedies = {
  product,
  kind: 'server',
  table: {
    'passive-range': (context) => ({
      product,
      text: 'Rehearse the planned range end to end: serve with it on the target host, then probe it from outside.',
      commands: [`ftp-doctor serve --pasv-range ${dash(context.range)} --external-ip ${context.publicAddress}`, `ftp-doctor probe ftp://${context.publicAddress}/ --expect-range ${dash(context.range)} --expect-address ${context.publicAddress} --samples 10`],
    }),
    'session-limit': () => ({
      product,
      text: 'The reference server turns away sessions beyond --max-sessions-per-ip from one address (and --max-sessions in total) with 421.',
      commands: ['ftp-doctor serve --max-sessions-per-ip 10 ...'],
    }),
    'public-address': (context) => ({
      product,
      text: 'Check the external address before deployment with the reference server.',
      commands: [`ftp-doctor serve --external-ip ${context.publicAddress}`],
    }),
  },
};

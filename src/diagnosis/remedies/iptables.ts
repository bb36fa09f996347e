/**
 * iptables (legacy or nft backend); use FORWARD instead of INPUT on a router. Accept rules are
 * inserted (-I, first in the chain): appended (-A) after an existing DROP they would never match.
 */
import { colon, firewallRangeWords, type ProductRemedies } from './types.js';

const product = 'iptables';

export const iptables: ProductRemedies = {
  product,
  kind: 'network',
  table: {
    'open-control': (context) => ({
      product,
      text: `Accept the control port ${context.controlPort}.`,
      commands: [`iptables -I INPUT -p tcp --dport ${context.controlPort} -j ACCEPT`],
    }),
    'open-passive-range': (context) => ({
      product,
      text: `Accept the passive range ${firewallRangeWords(context)} explicitly, or attach the ftp helper to the control port and accept related connections (plain FTP only).`,
      commands: [
        `iptables -I INPUT -p tcp --dport ${colon(context.range)} -j ACCEPT`,
        `iptables -t raw -A PREROUTING -p tcp --dport ${context.controlPort} -j CT --helper ftp`,
        'iptables -I INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      ],
    }),
    'tls-inspection': (context) => ({
      product,
      text: 'The ftp helper cannot read encrypted replies: accept the passive range explicitly.',
      commands: [`iptables -I INPUT -p tcp --dport ${colon(context.range)} -j ACCEPT`],
    }),
    'epsv-inspection': (context) => ({
      product,
      text: 'Accept the passive range explicitly rather than relying on the helper for EPSV.',
      commands: [`iptables -I INPUT -p tcp --dport ${colon(context.range)} -j ACCEPT`],
    }),
    'foreign-source': () => ({
      product,
      text: 'On the NAT box, keep one source address per client: add --persistent to the SNAT pool rule.',
      commands: ['iptables -t nat -A POSTROUTING -o <wan> -j SNAT --to-source <first>-<last> --persistent'],
    }),
    'active-inbound': (context) => ({
      product,
      text: 'On the client side, let the ftp helper track the outgoing control connection and accept the related connection back.',
      commands: [
        `iptables -t raw -A OUTPUT -p tcp --dport ${context.controlPort} -j CT --helper ftp`,
        'iptables -I INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
      ],
    }),
  },
};

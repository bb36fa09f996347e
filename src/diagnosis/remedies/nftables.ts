/**
 * nftables on Linux hosts and routers. The commands assume Debian's stock /etc/nftables.conf:
 * table inet filter with input, forward and output chains — and nothing else, so a remedy that
 * needs another chain (prerouting) or table (ip nat) creates it first (`add` is a no-op when it
 * exists). Accept rules are inserted, not added: `insert` puts a rule first in its chain, ahead of
 * any drop rule already there, where `add` would append it after the drop and it would never match.
 * Every nft command here is checked with `nft -c` against that ruleset in
 * test/diagnosis/nftables-remedies.test.ts.
 */
import { dash, firewallRangeWords, type ProductRemedies } from './types.js';

const product = 'nftables';

/**
 * The ftp conntrack helper object; `l3proto inet` makes one object serve IPv4 and IPv6 control
 * connections (nf_conntrack_ftp handles both).
 */
const HELPER_OBJECT = `nft add ct helper inet filter ftp-standard '{ type "ftp" protocol tcp; l3proto inet; }'`;
/** Inbound control connections must be given the helper before conntrack confirms them: prerouting. */
const PREROUTING_CHAIN = `nft add chain inet filter prerouting '{ type filter hook prerouting priority filter; }'`;

export const nftables: ProductRemedies = {
  product,
  kind: 'network',
  table: {
    'open-control': (context) => ({
      product,
      text: `Accept the control port ${context.controlPort} (use the forward chain on a router). insert puts the rule first in the chain, ahead of any drop rule.`,
      commands: [`nft insert rule inet filter input tcp dport ${context.controlPort} accept`],
    }),
    'open-passive-range': (context) => ({
      product,
      text:
        `Either accept the passive range ${firewallRangeWords(context)} explicitly (works for FTPS too), or attach the FTP conntrack helper to the control port ` +
        'and accept related connections (plain FTP only). Behind NAT, load nf_nat_ftp so the helper also rewrites addresses.',
      commands: [
        `nft insert rule inet filter input tcp dport ${dash(context.range)} accept`,
        HELPER_OBJECT,
        PREROUTING_CHAIN,
        `nft add rule inet filter prerouting tcp dport ${context.controlPort} ct helper set '"ftp-standard"'`,
        'nft insert rule inet filter input ct state established,related accept',
      ],
    }),
    'tls-inspection': (context) => ({
      product,
      text: `The ftp conntrack helper cannot read TLS-encrypted replies; accept the passive range ${dash(context.range)} explicitly instead of relying on it.`,
      commands: [`nft insert rule inet filter input tcp dport ${dash(context.range)} accept`],
    }),
    'epsv-inspection': (context) => ({
      product,
      text: `Accept the passive range ${dash(context.range)} explicitly, so EPSV does not depend on the helper understanding 229 replies.`,
      commands: [`nft insert rule inet filter input tcp dport ${dash(context.range)} accept`],
    }),
    rewrite: () => ({
      product,
      text: 'A NAT helper (nf_nat_ftp) rewrites the address and port inside 227 replies. Make sure it is only attached where NAT needs it, and give the server the right external address instead.',
      commands: ['lsmod | grep nf_nat_ftp'],
    }),
    'active-inbound': (context) => ({
      product,
      text:
        'On the client side, active mode needs the server\'s connection back to be accepted: track the outgoing control connection with the ftp helper ' +
        `so related connections are allowed${context.clientListen ? `, or accept port ${context.clientListen.port}` : ''}.`,
      commands: [
        HELPER_OBJECT,
        `nft add rule inet filter output tcp dport ${context.controlPort} ct helper set '"ftp-standard"'`,
        'nft insert rule inet filter input ct state established,related accept',
      ],
    }),
    'active-private-address': (context) => ({
      product,
      text:
        'On the client\'s own NAT router (plain FTP only): the FTP conntrack helper with nf_nat_ftp rewrites the private address in PORT/EPRT to the public one ' +
        'and lets the server\'s connection back in. It cannot read FTPS; there, passive mode is the fix.',
      commands: [
        'modprobe nf_nat_ftp',
        HELPER_OBJECT,
        PREROUTING_CHAIN,
        `nft add rule inet filter prerouting tcp dport ${context.controlPort} ct helper set '"ftp-standard"'`,
        'nft insert rule inet filter forward ct state established,related accept',
      ],
    }),
    'foreign-source': () => ({
      product,
      text:
        'On the NAT box, keep one source address per client across connections: make the source NAT pool persistent. ' +
        'Change the existing snat rule (nft -a list chain ip nat postrouting shows its handle) rather than adding a second one; ' +
        'the commands below create the table and chain if there are none. <wan> is the outside interface, <first>-<last> the pool.',
      commands: [
        'nft add table ip nat',
        `nft add chain ip nat postrouting '{ type nat hook postrouting priority srcnat; }'`,
        `nft add rule ip nat postrouting oifname '"<wan>"' snat to <first>-<last> persistent`,
      ],
    }),
    'idle-timeout': () => ({
      product,
      text:
        'Conntrack forgets an idle TCP connection after nf_conntrack_tcp_timeout_established seconds: 432000 (5 days) by default, but routers and ' +
        'distributions often set far less. Read the current value on the NAT box first, and raise it only if it is below your longest transfer ' +
        '(in seconds, with a margin); never lower it. Add the setting to /etc/sysctl.d/ to keep it across reboots.',
      commands: [
        'sysctl net.netfilter.nf_conntrack_tcp_timeout_established',
        'sysctl -w net.netfilter.nf_conntrack_tcp_timeout_established=<seconds longer than the longest transfer>',
      ],
    }),
    misrouted: (context) => ({
      product,
      text: `Check that the port forwarding (dnat) of the passive range ${dash(context.range)} points at the same host as the control port.`,
      commands: ['nft list ruleset | grep -n dnat'],
    }),
  },
};

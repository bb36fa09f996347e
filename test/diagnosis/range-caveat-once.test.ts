/**
 * A passive range read off two or three ports seen carries a caveat (take the exact bounds from
 * the server's configuration). It is said once, in each FTP server product's own remedy; the
 * firewall, NAT and cloud remedies under the same finding say only "(the ports seen)", so the
 * terminal does not repeat the same sentence four times. Pure: no root, no peer.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, markShownRemedies } from '../../src/diagnosis/index.js';
import { shownRemedies } from '../../src/report/remedies-shown.js';
import { find, passive, probe } from './fixtures.js';

const CAVEAT = /take the exact bounds/;

describe('the caveat of a range read off the ports seen', () => {
  const evidence = probe({ attempts: [passive('pasv', { advertised: '203.0.113.10:40001', connect: 'timeout' }), passive('epsv', { advertised: '203.0.113.10:40007', connect: 'timeout' })] });
  const finding = find(diagnose(evidence).findings, 'DATA_CHANNEL_BLOCKED');

  it('is in the server products\' remedies, not in the firewalls\'', () => {
    for (const product of ['vsftpd', 'ProFTPD', 'Pure-FTPd', 'pyftpdlib']) {
      expect(finding.remedies.find((remedy) => remedy.product === product)?.text, product).toMatch(CAVEAT);
    }
    for (const product of ['nftables', 'iptables', 'Cloud security group', 'Windows Firewall']) {
      const remedy = finding.remedies.find((candidate) => candidate.product === product);
      expect(remedy?.text, product).toContain('40001-40007 (the ports seen)');
      expect(remedy?.text, product).not.toMatch(CAVEAT);
    }
  });

  it('is shown once for the server that answered', () => {
    const [marked] = markShownRemedies([finding], 'vsftpd', false);
    const shown = shownRemedies(marked!).map((remedy) => remedy.text).join('\n');
    expect(shown.match(new RegExp(CAVEAT, 'g'))).toHaveLength(1);
  });
});

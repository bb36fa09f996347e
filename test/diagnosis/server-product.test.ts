/**
 * Which server answered (greeting, SYST, FEAT, reply wording), and the remedies a report then
 * shows: that server's plus the network ones; all of them when the product is unknown or
 * --all-remedies is given, and always all of them in the report itself.
 */
import { describe, expect, it } from 'vitest';
import { diagnose, identifyServer, markShownRemedies, remedyContext, serverClues, type ServerClues } from '../../src/diagnosis/index.js';
import { probeOptionsFromArguments } from '../../src/cli/probe.js';
import { hiddenRemediesNote, shownRemedies } from '../../src/report/remedies-shown.js';
import { renderFindingsText } from '../../src/report/table.js';
import { find, passive, probe, reply } from './fixtures.js';

describe('identifyServer', () => {
  it.each<[string, ServerClues, string | undefined]>([
    ['vsftpd greeting', { greeting: '220 (vsFTPd 3.0.3)' }, 'vsftpd'],
    ['Pure-FTPd multi-line greeting', { greeting: '220 ---------- Welcome to Pure-FTPd [privsep] [TURBO] ----------\nYou are user number 1 of 50 allowed.' }, 'Pure-FTPd'],
    ['ProFTPD greeting', { greeting: '220 ProFTPD Server (Debian) [::ffff:10.0.0.5]' }, 'ProFTPD'],
    ['FileZilla Server greeting', { greeting: '220-FileZilla Server 1.8.0\nPlease visit https://filezilla-project.org/' }, 'FileZilla Server'],
    ['FileZilla SYST', { greeting: '220 Welcome', system: 'UNIX emulated by FileZilla' }, 'FileZilla Server'],
    ['IIS greeting', { greeting: '220 Microsoft FTP Service' }, 'IIS'],
    ['IIS SYST behind a custom banner', { greeting: '220 Contoso FTP', system: 'Windows_NT' }, 'IIS'],
    ['pyftpdlib greeting', { greeting: '220 pyftpdlib 1.5.7 ready.' }, 'pyftpdlib'],
    ['our reference server greeting', { greeting: '220 ftp-doctor reference server ready.' }, 'ftp-doctor serve'],
    ['our reference server FEAT', { greeting: '220 hello', referenceServer: true }, 'ftp-doctor serve'],
    ['vsftpd wording behind a custom banner', { greeting: '220 Welcome to ACME', replies: ['331 Please specify the password.'] }, 'vsftpd'],
    ['Pure-FTPd AUTH TLS wording', { greeting: '220 hi', replies: ['500 This security scheme is not implemented'] }, 'Pure-FTPd'],
    ['ProFTPD login wording', { greeting: '220 FTP', replies: ['331 Password required for deploy'] }, 'ProFTPD'],
    ['ProFTPD anonymous wording', { greeting: '220 FTP', replies: ['331 Anonymous login ok, send your complete email address as your password'] }, 'ProFTPD'],
    ['pyftpdlib login wording', { greeting: '220 FTP', replies: ['331 Username ok, send password.'] }, 'pyftpdlib'],
    ['IIS TLS policy wording', { greeting: '220 FTP', replies: ['534 Policy requires SSL.'] }, 'IIS'],
    ['a banner outranks wording', { greeting: '220 ProFTPD 1.3.8 Server', replies: ['331 Please specify the password.'] }, 'ProFTPD'],
    ['generic words name nobody', { greeting: '220 FTP server ready', system: 'UNIX Type: L8', replies: ['331 Password required', '230 Login successful.', '226 Transfer complete.'] }, undefined],
    ['nothing said', {}, undefined],
  ])('%s', (_name, clues, product) => {
    const identity = identifyServer(clues);
    expect(identity?.product).toBe(product);
    if (identity) expect(identity.clue.length).toBeGreaterThan(0);
  });

  it('reads the clues of a whole probe: greeting, SYST, login and data replies', () => {
    const evidence = probe({ greeting: reply(220, 'FTP ready'), login: { userReply: reply(331, 'Password required for deploy'), passReply: reply(230, 'User deploy logged in'), ok: true } });
    expect(identifyServer(serverClues(evidence))).toEqual({ product: 'ProFTPD', clue: 'reply "331 Password required for deploy"' });
  });
});

describe('remedies shown for the server that answered', () => {
  const blocked = (greeting: string) =>
    probe({ greeting: reply(220, greeting), login: { userReply: reply(331, 'Password required'), passReply: reply(230, 'ok'), ok: true }, attempts: [passive('pasv', { connect: 'timeout' }), passive('epsv', { connect: 'timeout' })] });

  it('a vsftpd server shows vsftpd and the network remedies, and names the others it left out', () => {
    const evidence = blocked('(vsFTPd 3.0.5)');
    const identity = identifyServer(serverClues(evidence));
    const [finding] = markShownRemedies([find(diagnose(evidence).findings, 'DATA_CHANNEL_BLOCKED')], identity?.product, false);
    if (!finding) throw new Error('no finding');
    const shown = shownRemedies(finding).map((remedy) => remedy.product);
    expect(shown).toContain('vsftpd');
    expect(shown).toContain('nftables');
    expect(shown).toContain('Cloud security group');
    for (const other of ['IIS', 'ProFTPD', 'Pure-FTPd', 'FileZilla Server', 'ftp-doctor serve', 'pyftpdlib']) expect(shown).not.toContain(other);
    // The report keeps them all.
    expect(finding.remedies.map((remedy) => remedy.product)).toContain('IIS');
    expect(hiddenRemediesNote(finding)).toMatch(/--all-remedies/);
    const text = renderFindingsText([finding], (value) => value, 80);
    expect(text).toContain('pasv_min_port');
    expect(text).not.toContain('appcmd');
    expect(text).toContain('--all-remedies');
  });

  it('--all-remedies and an unknown product show everything', () => {
    const evidence = blocked('FTP ready');
    const finding = find(diagnose(evidence).findings, 'DATA_CHANNEL_BLOCKED');
    for (const marked of [markShownRemedies([finding], undefined, false), markShownRemedies([finding], 'vsftpd', true)]) {
      const [only] = marked;
      if (!only) throw new Error('no finding');
      expect(shownRemedies(only)).toHaveLength(finding.remedies.length);
      expect(hiddenRemediesNote(only)).toBeUndefined();
    }
  });

  it('Windows Firewall only for a server on Windows (or an unknown one)', () => {
    const shownFor = (greeting: string, product: string | undefined): string[] => {
      const [finding] = markShownRemedies([find(diagnose(blocked(greeting)).findings, 'DATA_CHANNEL_BLOCKED')], product, false);
      return shownRemedies(finding!).map((remedy) => remedy.product);
    };
    expect(shownFor('(vsFTPd 3.0.5)', 'vsftpd')).not.toContain('Windows Firewall');
    expect(shownFor('Microsoft FTP Service', 'IIS')).toContain('Windows Firewall');
    expect(shownFor('Microsoft FTP Service', 'IIS')).toContain('IIS');
    expect(shownFor('FTP ready', undefined)).toContain('Windows Firewall');
  });

  it('--all-remedies on the command line reaches the probe options', () => {
    const base = { url: 'ftp://127.0.0.1/', modes: 'epsv,pasv', samples: 0, connectTimeout: 1000, dataTimeout: 1000, useAdvertisedAddress: false, strictTls: false, ccc: false, json: false };
    expect(probeOptionsFromArguments({ ...base, allRemedies: true }, {}).allRemedies).toBe(true);
    expect(probeOptionsFromArguments(base, {}).allRemedies).toBeUndefined();
  });

  it('pyftpdlib has remedies of its own', () => {
    const evidence = blocked('pyftpdlib 1.5.7 ready.');
    const [finding] = markShownRemedies([find(diagnose(evidence).findings, 'DATA_CHANNEL_BLOCKED')], 'pyftpdlib', false);
    expect(shownRemedies(finding!).find((remedy) => remedy.product === 'pyftpdlib')?.commands?.join(' ')).toMatch(/passive_ports = range\(/);
  });
});

describe('the range in remedies is the one seen, not an example, when ports were seen', () => {
  it('two ports seen: their span, said to be the ports seen', () => {
    const evidence = probe({ attempts: [passive('pasv', { advertised: '203.0.113.10:40001', connect: 'timeout' }), passive('epsv', { advertised: '203.0.113.10:40007', connect: 'timeout' })] });
    const context = remedyContext(evidence);
    expect(context.range).toEqual({ from: 40001, to: 40007 });
    expect(context.rangeSource).toBe('observed');
    const text = JSON.stringify(find(diagnose(evidence).findings, 'DATA_CHANNEL_BLOCKED').remedies);
    expect(text).toContain('40001-40007');
    expect(text).not.toContain('50000-50100');
    expect(text).not.toContain('example range');
  });

  it('ports scattered over the ephemeral range: no range configured, an example is honest', () => {
    const evidence = probe({ attempts: [passive('pasv', { advertised: '203.0.113.10:33001', connect: 'timeout' }), passive('epsv', { advertised: '203.0.113.10:58007', connect: 'timeout' })] });
    expect(remedyContext(evidence).rangeSource).toBe('example');
  });
});

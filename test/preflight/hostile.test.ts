/**
 * Hostile or huge configuration files: a clear error naming the file (and line), or a bounded
 * read that says where it stopped; never a hang, a crash or a credential in the facts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCompose } from '../../src/preflight/publishing/compose.js';
import { parseFileZillaSettings } from '../../src/preflight/servers/filezilla.js';
import { parseApplicationHostConfig } from '../../src/preflight/servers/iis.js';
import { globMatches, MAX_INCLUDED_FILES, parseProftpdConf } from '../../src/preflight/servers/proftpd.js';
import { parsePureFtpdConf } from '../../src/preflight/servers/pure-ftpd.js';
import { MAX_DEPTH, readXml } from '../../src/preflight/xml.js';

const run = promisify(execFile);
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];

async function preflightExit(files: string | string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [...CLI, 'preflight', ...([] as string[]).concat(files), '--no-simulate'], { timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

describe('preflight: hostile inputs', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'fd-preflight-hostile-'));

  it('a file over 1 MiB is refused, exit 2, naming it', { timeout: 60_000 }, async () => {
    const file = path.join(directory, 'vsftpd.conf');
    await writeFile(file, `pasv_min_port=50000\n${'# padding\n'.repeat(120_000)}`);
    const result = await preflightExit(file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/vsftpd\.conf: is 1\.\d MiB; data files larger than 1\.0 MiB are refused/);
  });

  it.runIf(process.platform === 'linux')('a FIFO is refused without waiting for a writer', { timeout: 60_000 }, async () => {
    const fifo = path.join(directory, 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    const result = await preflightExit(fifo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/fifo\.conf: is not a regular file/);
  });

  it('more than 200 files named is refused before they are all held in memory', { timeout: 60_000 }, async () => {
    const many = path.join(directory, 'many');
    await mkdir(many, { recursive: true });
    const names = await Promise.all(Array.from({ length: 201 }, async (_, index) => {
      const file = path.join(many, `vsftpd-${index}.conf`);
      await writeFile(file, 'pasv_min_port=50000\n');
      return file;
    }));
    const result = await preflightExit(names);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/more than 200 files to read; name fewer/);
  });

  it('ProFTPD Include through the CLI: a directory reads every file in it, a loop back to the file named is said once', { timeout: 60_000 }, async () => {
    const site = path.join(directory, 'proftpd');
    await mkdir(path.join(site, 'conf.d'), { recursive: true });
    await writeFile(path.join(site, 'proftpd.conf'), 'ServerType standalone\nInclude conf.d/\n');
    await writeFile(path.join(site, 'conf.d', 'passive.conf'), 'PassivePorts 50000 50100\nInclude ../proftpd.conf\n');
    const result = await run(process.execPath, [...CLI, 'preflight', path.join(site, 'proftpd.conf'), '--no-simulate', '--json'], { timeout: 60_000 }).catch((error: { stdout: string }) => error);
    const report = JSON.parse(result.stdout) as { facts: string[]; notUnderstood: { place: string; reason: string }[] };
    expect(report.facts.join('\n')).toMatch(/passive range 50000-50100 \(.*conf\.d\/passive\.conf:1 PassivePorts 50000 50100\)/);
    expect(report.notUnderstood.map((item) => item.reason)).toEqual([expect.stringMatching(/Include \.\.\/proftpd\.conf: .*proftpd\.conf is already being read .*: an Include loop, not followed/)]);
  });

  it('a YAML alias bomb in a compose file is refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'services: { ftp: { ports: [*d] } }'].join('\n');
    expect(() => parseCompose('compose.yml', bomb)).toThrow(/compose\.yml: .*alias/);
  });

  it(`XML nested deeper than ${MAX_DEPTH} levels is read that far, and the rest said`, () => {
    const text = `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`;
    const facts = parseApplicationHostConfig('applicationHost.config', text);
    expect(facts.notUnderstood.some((item) => /nested more than 64 deep: the rest is not read/.test(item.reason))).toBe(true);
  });

  it('an Include that includes itself is a loop, said with its line and not followed', () => {
    const facts = parseProftpdConf('proftpd.conf', 'Include proftpd.conf\n', () => [{ file: 'proftpd.conf', text: 'Include proftpd.conf\n' }]);
    expect(facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`)).toEqual(['proftpd.conf:1 Include proftpd.conf: proftpd.conf is already being read (proftpd.conf → proftpd.conf): an Include loop, not followed']);
  });

  it('a loop through files of other names stops 8 levels down, said with its line', () => {
    let serial = 0;
    const facts = parseProftpdConf('proftpd.conf', 'Include next.conf\n', () => [{ file: `conf-${(serial += 1)}.conf`, text: 'Include next.conf\n' }]);
    expect(facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`)).toEqual(['conf-8.conf:1 Include nested more than 8 deep: not followed']);
  });

  it(`Include *.conf in every included file stops after ${MAX_INCLUDED_FILES} files in all (failed before: 10 files each including all 10, 8 deep, never ended)`, () => {
    const names = Array.from({ length: 10 }, (_, index) => `conf.d/${index}.conf`);
    let reads = 0;
    const facts = parseProftpdConf('proftpd.conf', 'Include conf.d/*.conf\n', () => {
      reads += 1;
      return names.map((file) => ({ file, text: 'PassivePorts 50000 50100\nInclude conf.d/*.conf\n' }));
    });
    expect(reads).toBeLessThanOrEqual(MAX_INCLUDED_FILES);
    expect(facts.notUnderstood.some((item) => /more than 256 files included in all/.test(item.reason))).toBe(true);
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 50000, to: 50100 });
  });

  it('a <VirtualHost> inside a <VirtualHost> is said, and what follows the inner one stays the outer one\'s (failed before: the main server\'s)', () => {
    const facts = parseProftpdConf('proftpd.conf', ['PassivePorts 50000 50100', '<VirtualHost 10.0.0.1>', '<VirtualHost 10.0.0.2>', '</VirtualHost>', 'PassivePorts 60000 60100', '</VirtualHost>'].join('\n'));
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 50000, to: 50100 });
    expect(facts.notUnderstood.map((item) => `${item.at.line} ${item.reason}`)).toEqual(['3 a <VirtualHost> inside the <VirtualHost> of proftpd.conf:2: ProFTPD refuses to start with this; read as part of the outer one']);
  });

  it('an Include inside a <VirtualHost> belongs to that host, not the main server (failed before: its PassivePorts became the main server\'s)', () => {
    const facts = parseProftpdConf('proftpd.conf', ['PassivePorts 50000 50100', '<VirtualHost 10.0.0.1>', 'Include vhost.conf', '</VirtualHost>'].join('\n'), () => [{ file: 'vhost.conf', text: 'PassivePorts 60000 60100\n' }]);
    expect(facts.servers[0]?.passiveRange?.value).toEqual({ from: 50000, to: 50100 });
    expect(facts.servers[1]?.passiveRange?.value).toEqual({ from: 60000, to: 60100 });
  });

  it('an included file that is not a ProFTPD file (Include /etc/shadow) is said by place only, never quoted (failed before: its lines in the report)', () => {
    const facts = parseProftpdConf('proftpd.conf', 'Include /etc/shadow\n', () => [{ file: '/etc/shadow', text: 'root:$6$Shadow-Hash-Value$abc:19000:0:99999:7:::\n' }]);
    expect(JSON.stringify(facts)).not.toContain('Shadow-Hash-Value');
    expect(facts.notUnderstood.map((item) => `${item.at.file}:${item.at.line} ${item.reason}`)).toEqual(['/etc/shadow:1 not a ProFTPD directive']);
  });

  it('credential directives not understood are quoted without their values (failed before: SQLConnectInfo: … quoted whole)', () => {
    const proftpd = parseProftpdConf('proftpd.conf', 'SQLConnectInfo: ftpdb@db ftpuser Sql-Secret-4711\nLDAPBindDN: "cn=ftp" Ldap-Secret-22\n');
    const pure = parsePureFtpdConf('pure-ftpd.conf', 'MYSQLPassword\n=My-Secret-0815\nPGSQLPassword=Pg-Secret-33\n');
    const text = JSON.stringify([proftpd, pure]);
    for (const secret of ['Sql-Secret', 'Ldap-Secret', 'Pg-Secret']) expect(text).not.toContain(secret);
    expect(proftpd.notUnderstood.map((item) => item.at.text)).toEqual(['SQLConnectInfo: ***', 'LDAPBindDN: ***']);
  });

  it('an XML tag that cannot be read is quoted without its password/salt/hash attributes (failed before: "<User password=\\"Zilla-Plain-P…")', () => {
    const zilla = parseFileZillaSettings('settings.xml', '<filezilla>\n<User password="Zilla-Plain-Pw" broken>\n<passive_mode><port_range><min>1</min><max>2</max></port_range></passive_mode></filezilla>');
    const iis = parseApplicationHostConfig('applicationHost.config', '<configuration><processModel userName="svc" password="Iis-Secret-1" bad></configuration>');
    const text = JSON.stringify([zilla, iis]);
    expect(text).not.toMatch(/Zilla-Plain|Iis-Secret/);
    expect([...zilla.notUnderstood, ...iis.notUnderstood].map((item) => item.reason).join('\n')).toContain('password=\\"***\\"');
  });

  it('a DOCTYPE is not read: entities never expanded (billion laughs) nor fetched (SYSTEM "file:///…"), said once with its line', () => {
    const laughs = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', '<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, index) => `<!ENTITY lol${index + 1} "${`&lol${index || ''};`.repeat(10)}">`), '<!ENTITY xxe SYSTEM "file:///etc/passwd">', ']>', '<filezilla><passive_mode><port_range><min>&lol9;</min><max>&xxe;</max></port_range></passive_mode></filezilla>'].join('\n');
    const { elements, problems } = readXml(laughs);
    expect(problems).toEqual([{ line: 2, reason: 'a DOCTYPE (DTD or entity declarations): not read; entities are never expanded or fetched, their references are read as written' }]);
    expect(elements.find((element) => element.name === 'min')).toMatchObject({ text: '&lol9;', line: 15 });
    expect(elements.find((element) => element.name === 'max')?.text).toBe('&xxe;');
    const facts = parseFileZillaSettings('settings.xml', laughs);
    expect(facts.notUnderstood.some((item) => /not two port numbers/.test(item.reason))).toBe(true);
  });

  it('Include patterns match * without a regular expression: 40 stars against a long name end at once (failed before: .*.*… backtracked for ever)', () => {
    const name = `${'a'.repeat(80)}.conf`;
    expect(globMatches(`${'*'.repeat(40)}b`, name)).toBe(false);
    expect(globMatches('*.conf', name)).toBe(true);
    expect(globMatches('a*a*.conf', name)).toBe(true);
    expect(globMatches('*.CONF', name)).toBe(false);
    expect(globMatches('proftpd.conf', 'proftpd.conf')).toBe(true);
  });
});


/**
 * The remedies shown are those of the server that answered, on the real kernel: each real server
 * product (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib) runs on 127.0.0.1 inside a namespace of its own
 * whose nftables input chain drops its passive range, and the CLI `probe` runs in the same
 * namespace. The terminal shows that product's remedies plus the network ones (and says what it
 * left out), `--all-remedies` shows every product's, the JSON keeps them all with `shown` marks,
 * and the range in the remedies is the ports actually handed out. Needs root, ip and nft, and
 * each product; skips saying which is missing.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { checkNetnsSupport } from '../../src/netns/preflight.js';
import { createNamespaceSync, deleteNamespaces, run, runChecked } from '../../src/netns/process.js';
import { proftpdMissingReason } from '../../src/netns/proftpd.js';
import { pureftpdMissingReason } from '../../src/netns/pureftpd.js';
import { pyftpdlibMissingReason } from '../../src/netns/pyftpdlib.js';
import { vsftpdMissingReason } from '../../src/netns/vsftpd.js';
import type { ProbeReport } from '../../src/report/model.js';

const support = await checkNetnsSupport();
const noNetns = support.ok ? null : support.reason;
const PRODUCTS: [string, string | null][] = [
  ['vsftpd', vsftpdMissingReason()],
  ['ProFTPD', proftpdMissingReason()],
  ['Pure-FTPd', pureftpdMissingReason()],
  ['pyftpdlib', pyftpdlibMissingReason()],
];
const SERVER_PRODUCTS = ['IIS', 'vsftpd', 'ProFTPD', 'Pure-FTPd', 'FileZilla Server', 'pyftpdlib', 'ftp-doctor serve'];
const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];

interface Started {
  port: number;
  user?: string;
  password?: string;
}

/** The product in a fresh namespace with its passive range dropped; body gets the namespace and where it listens. */
async function withDroppedPassive(product: string, body: (ns: string, started: Started & { from: number; to: number }) => Promise<void>): Promise<void> {
  const ns = `fdrem${process.pid % 10_000}${product.replace(/\W/g, '').slice(0, 4).toLowerCase()}`;
  createNamespaceSync(ns);
  const child = spawn('ip', ['netns', 'exec', ns, ...CLI.slice(0, 3), 'test/diagnosis/fixtures/start-peer.ts', product], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await runChecked(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    const line = await new Promise<string>((resolve, reject) => {
      // Generous: a server starting in a namespace on a busy machine; the start is not what is tested.
      const timer = setTimeout(() => reject(new Error(`${product} did not start within 60 s: ${stderr}`)), 60_000);
      createInterface({ input: child.stdout }).once('line', (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${product} launcher exited (${code}): ${stderr}`));
      });
    });
    const started = JSON.parse(line) as Started & { from: number; to: number };
    const ruleset = `table inet fdrem {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport ${started.from}-${started.to} drop\n }\n}\n`;
    await runChecked(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: ruleset });
    await body(ns, started);
  } finally {
    child.stdin.end();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await deleteNamespaces([ns], [child]);
  }
}

async function probeCli(ns: string, started: Started, extra: string[]): Promise<string> {
  const url = `ftp://127.0.0.1:${started.port}/`;
  const login = started.user ? ['--user', started.user] : [];
  const env = started.password ? { ...process.env, FTP_PASSWORD: started.password } : process.env;
  const result = await run(['ip', 'netns', 'exec', ns, ...CLI, 'probe', url, ...login, '--data-timeout', '2000', ...extra], { timeoutMs: 90_000, env });
  expect(result.timedOut).toBe(false);
  return result.stdout;
}

/** The remedy products under the DATA_CHANNEL_BLOCKED finding of a terminal report. */
function remedyBlock(text: string): string {
  const start = text.indexOf('DATA_CHANNEL_BLOCKED');
  expect(start, text).toBeGreaterThanOrEqual(0);
  const block = text.slice(start);
  const next = block.slice(1).search(/\n(ERROR|WARN|INFO|WARNING) [A-Z_]+:/);
  return next < 0 ? block : block.slice(0, next + 1);
}
const headed = (block: string, product: string): boolean => new RegExp(`^ {4}${product.replace(/[()]/g, '\\$&')}$`, 'm').test(block);

describe.skipIf(noNetns)(`remedies of the server that answered, passive data dropped by the kernel${noNetns ? ` [skipped: ${noNetns}]` : ''}`, () => {
  for (const [product, missing] of PRODUCTS) {
    it.skipIf(missing !== null)(`${product}: its remedies and the network's, the range seen; --all-remedies shows all${missing ? ` [skipped: ${missing}]` : ''}`, async () => {
      await withDroppedPassive(product, async (ns, started) => {
        const json = JSON.parse(await probeCli(ns, started, ['--json'])) as ProbeReport;
        expect(json.server?.product).toBe(product);
        const finding = json.findings.find((candidate) => candidate.code === 'DATA_CHANNEL_BLOCKED');
        expect(finding, JSON.stringify(json.findings.map((candidate) => candidate.code))).toBeDefined();
        const shown = finding!.remedies.filter((remedy) => remedy.shown !== false).map((remedy) => remedy.product);
        expect(shown).toContain(product);
        expect(shown).toContain('nftables');
        expect(shown.filter((name) => SERVER_PRODUCTS.includes(name) && name !== product)).toEqual([]);
        expect(shown).not.toContain('Windows Firewall'); // a Linux server's host firewall is not Windows'
        // The JSON keeps every product's remedy.
        expect(finding!.remedies.map((remedy) => remedy.product)).toEqual(expect.arrayContaining(['IIS', 'vsftpd', 'ProFTPD', 'Pure-FTPd', 'pyftpdlib']));
        // The range in the remedies is the span of the ports handed out.
        const ports = json.passivePorts ?? [];
        expect(ports.length).toBeGreaterThan(0);
        const span = `${Math.min(...ports)}-${Math.max(...ports)}`;
        const own = finding!.remedies.find((remedy) => remedy.product === product);
        expect(own?.text).toContain(span);
        expect(finding!.remedies.find((remedy) => remedy.product === 'nftables')?.commands?.join('\n')).toContain(`tcp dport ${span} accept`);

        const text = remedyBlock(await probeCli(ns, started, []));
        expect(headed(text, product), text).toBe(true);
        expect(headed(text, 'nftables'), text).toBe(true);
        for (const other of SERVER_PRODUCTS.filter((name) => name !== product)) expect(headed(text, other), `${other} shown\n${text}`).toBe(false);
        expect(text.replace(/\s+/g, ' ')).toContain('--all-remedies shows them');
        // Another run, other ports: the range shown lies within the server's configured range.
        const shownRange = /(\d+)-(\d+) \(the ports seen/.exec(text);
        expect(shownRange, text).not.toBeNull();
        expect(Number(shownRange![1])).toBeGreaterThanOrEqual(started.from);
        expect(Number(shownRange![2])).toBeLessThanOrEqual(started.to);
        // The caveat about a range read off the ports seen is said once, in the server's remedy.
        expect(text.replace(/\s+/g, ' ').match(/take the exact bounds/g)?.length ?? 0).toBeLessThanOrEqual(1);

        const all = remedyBlock(await probeCli(ns, started, ['--all-remedies']));
        for (const every of ['IIS', 'vsftpd', 'ProFTPD', 'Pure-FTPd', 'pyftpdlib', 'nftables']) expect(headed(all, every), `${every} missing\n${all}`).toBe(true);
        expect(all.replace(/\s+/g, ' ')).not.toContain('--all-remedies shows them');
      });
    }, 240_000);
  }
});

/**
 * TLS certificates a client meets in the wild, made with openssl here: trusted, self-signed,
 * expired, wrong name, unknown CA. Each must give its own finding code — which needs the client to
 * trust our test CA, so the probe runs in a child process started with NODE_EXTRA_CA_CERTS — and
 * under --strict-tls none may lead to credentials sent in plaintext. A server whose data
 * connections present another certificate than the control connection is recorded as such.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import { probe } from '../../src/probe/engine.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

const hasOpenssl = existsSync('/usr/bin/openssl');
const CASES = ['trusted', 'self-signed', 'expired', 'wrong-name', 'unknown-ca'] as const;
type Case = (typeof CASES)[number];

let directory: string;
const servers: RunningServer[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: 'pipe', timeout: 20_000 });
}

/** CA, second (untrusted) CA, and one leaf per case. The expired leaf's validity is in the past. */
async function makeCertificates(): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const caExtensions = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=ftp-doctor hardening CA', ...caExtensions]);
  openssl(['req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '30', '-subj', '/CN=untrusted CA', ...caExtensions]);
  await writeFile(path.join(directory, 'local.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await writeFile(path.join(directory, 'wrong.ext'), 'subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\n');
  for (const name of ['trusted', 'expired', 'wrong-name', 'unknown-ca']) {
    openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'wrong-name' ? 'wrong.example' : 'localhost'}`]);
  }
  openssl(['x509', '-req', '-in', 'trusted.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '1', '-days', '30', '-extfile', 'local.ext', '-out', 'trusted.crt']);
  openssl(['x509', '-req', '-in', 'wrong-name.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '30', '-extfile', 'wrong.ext', '-out', 'wrong-name.crt']);
  openssl(['x509', '-req', '-in', 'unknown-ca.csr', '-CA', 'other-ca.crt', '-CAkey', 'other-ca.key', '-set_serial', '3', '-days', '30', '-extfile', 'local.ext', '-out', 'unknown-ca.crt']);
  // `openssl x509 -days` cannot go into the past; `openssl ca` takes explicit start and end dates.
  await writeFile(path.join(directory, 'index.txt'), '');
  await writeFile(path.join(directory, 'serial'), '04\n');
  await writeFile(
    path.join(directory, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${directory}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'expired.csr', '-out', 'expired.crt', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', 'local.ext', '-notext']);
  openssl(['req', '-x509', ...ec, '-keyout', 'self-signed.key', '-out', 'self-signed.crt', '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
}

interface ChildLine {
  name: string;
  authTls?: { handshake: string; error?: string; certificate?: { verifyError?: string; selfSigned: boolean } };
  findings: { code: string; severity: string }[];
  transcript: string[];
  attempts: { tls: boolean; session: string; outcome: string }[];
}

/** Probe every target in one child process that trusts ca.crt; bounded by a hard kill. */
function probeInChild(targets: { name: string; url: string; strictTls: boolean }[]): Promise<ChildLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'tls-probe-child.ts'), JSON.stringify(targets)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(directory, 'ca.crt') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`child exited ${code}: ${stderr.slice(-2000)}`));
      resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as ChildLine));
    });
  });
}

let results: Map<string, ChildLine>;
beforeAll(async () => {
  if (!hasOpenssl) return;
  directory = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-certs-'));
  await makeCertificates();
  const targets: { name: string; url: string; strictTls: boolean }[] = [];
  for (const name of CASES) {
    const server = await startServer(
      { host: '127.0.0.1', port: 0, anonymous: true, users: [{ name: 'alice', password: 'Plain-Leak-Canary' }], tls: 'explicit', cert: path.join(directory, `${name}.crt`), key: path.join(directory, `${name}.key`), log: 'none' },
      realNetwork,
    );
    servers.push(server);
    for (const strictTls of [false, true]) targets.push({ name: `${name}${strictTls ? ':strict' : ''}`, url: `ftpes://alice:Plain-Leak-Canary@127.0.0.1:${server.port}/`, strictTls });
  }
  results = new Map((await probeInChild(targets)).map((line) => [line.name, line]));
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  if (directory) await rm(directory, { recursive: true, force: true });
});

const EXPECTED: Record<Case, { verifyError: RegExp | undefined; code: string | undefined }> = {
  trusted: { verifyError: undefined, code: undefined },
  'self-signed': { verifyError: /^DEPTH_ZERO_SELF_SIGNED_CERT$/, code: 'TLS_CERTIFICATE_SELF_SIGNED' },
  expired: { verifyError: /^CERT_HAS_EXPIRED$/, code: 'TLS_CERTIFICATE_EXPIRED' },
  'wrong-name': { verifyError: /^ERR_TLS_CERT_ALTNAME_INVALID$/, code: 'TLS_CERTIFICATE_NAME_MISMATCH' },
  'unknown-ca': { verifyError: /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/, code: 'TLS_CERTIFICATE_UNTRUSTED' },
};

describe.skipIf(!hasOpenssl)('certificate problems, each with its own finding (skipped: no /usr/bin/openssl)', () => {
  it.each(CASES)('%s', (name) => {
    const line = results.get(name)!;
    const expected = EXPECTED[name];
    expect(line.authTls?.handshake).toBe('ok');
    const verifyError = line.authTls?.certificate?.verifyError;
    if (expected.verifyError) expect(verifyError).toMatch(expected.verifyError);
    else expect(verifyError).toBeUndefined();
    const codes = line.findings.map((finding) => finding.code).filter((code) => code.startsWith('TLS_CERTIFICATE'));
    expect(codes).toEqual(expected.code ? [expected.code] : []);
  });

  it('four problems, four different codes', () => {
    const codes = CASES.map((name) => EXPECTED[name].code).filter(Boolean);
    expect(new Set(codes).size).toBe(4);
  });

  it.each(CASES.filter((name) => name !== 'trusted'))('%s under --strict-tls: the session ends, no credentials in plaintext anywhere', (name) => {
    const line = results.get(`${name}:strict`)!;
    expect(line.authTls?.handshake).toBe('failed');
    expect(line.authTls?.error).toMatch(/strict-tls/);
    expect(line.findings.find((finding) => finding.code === EXPECTED[name].code)?.severity).toBe('error');
    // No USER or PASS on any session: not the TLS one (it stopped), not a plain twin.
    expect(line.transcript.filter((text) => / > (USER|PASS)\b/.test(text))).toEqual([]);
  });

  it('trusted under --strict-tls: logs in over TLS only', () => {
    const line = results.get('trusted:strict')!;
    expect(line.authTls?.handshake).toBe('ok');
    expect(line.attempts.find((attempt) => attempt.tls)?.outcome).toBe('complete');
  });
});

/**
 * A scripted explicit-TLS server whose data connections present `dataCertificate` while the
 * control connection presents `controlCertificate`: what a TLS-intercepting middlebox on the data
 * path, or a load balancer with mixed certificates, looks like.
 */
async function mixedCertificateServer(control: tls.SecureContext, data: tls.SecureContext): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket | tls.TLSSocket>();
  const listeners = new Set<net.Server>();
  const track = <T extends net.Socket>(socket: T): T => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const server = net.createServer((raw) => {
    track(raw);
    let stream: net.Socket = raw;
    let protect = false;
    let dataSocket: Promise<net.Socket> | undefined;
    let buffer = '';
    const answer = async (line: string): Promise<void> => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'AUTH') {
        raw.removeAllListeners('data');
        raw.write('234 Go ahead.\r\n');
        const secure = track(new tls.TLSSocket(raw, { isServer: true, secureContext: control }));
        stream = secure;
        secure.on('data', onData);
      } else if (verb === 'USER') stream.write('331 Password.\r\n');
      else if (verb === 'PASS') stream.write('230 In.\r\n');
      else if (verb === 'PBSZ') stream.write('200 PBSZ=0\r\n');
      else if (verb === 'PROT') {
        protect = line.toUpperCase().endsWith('P');
        stream.write('200 Protection set.\r\n');
      } else if (verb === 'EPSV') {
        const listener = net.createServer();
        listeners.add(listener);
        dataSocket = new Promise((resolve) => listener.once('connection', (socket) => resolve(track(socket))));
        await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
        stream.write(`229 Entering Extended Passive Mode (|||${(listener.address() as net.AddressInfo).port}|)\r\n`);
      } else if (verb === 'LIST') {
        const socket = await dataSocket!;
        stream.write('150 Listing.\r\n');
        const out = protect ? track(new tls.TLSSocket(socket, { isServer: true, secureContext: data })) : socket;
        if (protect) await new Promise((resolve) => out.once('secure', resolve));
        out.end('listing line\r\n');
        await new Promise((resolve) => setTimeout(resolve, 30));
        stream.write('226 Done.\r\n');
      } else if (verb === 'QUIT') {
        stream.end('221 Bye.\r\n');
      } else stream.write('502 No.\r\n');
    };
    let chain = Promise.resolve();
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        chain = chain.then(() => answer(line)).catch(() => undefined);
      }
    };
    raw.on('data', onData);
    raw.write('220 Mixed certificates.\r\n');
  });
  listeners.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([...listeners].map((listener) => new Promise((resolve) => listener.close(resolve))));
    },
  };
}

describe.skipIf(!hasOpenssl)('data-channel certificate (skipped: no /usr/bin/openssl)', () => {
  it('a data connection presenting another certificate than the control connection is recorded', async () => {
    const context = async (name: string) => tls.createSecureContext({ cert: await readFile(path.join(directory, `${name}.crt`)), key: await readFile(path.join(directory, `${name}.key`)) });
    const mixed = await mixedCertificateServer(await context('self-signed'), await context('unknown-ca'));
    const same = await mixedCertificateServer(await context('self-signed'), await context('self-signed'));
    try {
      for (const [server, matches] of [[mixed, false], [same, true]] as const) {
        const run = await probe({ url: `ftpes://127.0.0.1:${server.port}/`, modes: ['epsv'], connectTimeoutMs: 3000, dataTimeoutMs: 3000 }, realNetwork);
        const attempt = run.evidence.attempts.find((item) => item.tls);
        expect(attempt?.dataTls?.handshake).toBe('ok');
        expect(attempt?.transfer.outcome).toBe('complete');
        expect(attempt?.dataTls?.certificateMatchesControl).toBe(matches);
      }
    } finally {
      await mixed.close();
      await same.close();
    }
  });
});

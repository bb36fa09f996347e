/**
 * A real pyftpdlib (Debian's python3-pyftpdlib 1.5.7, TLS through python3-openssl) as a peer for
 * tests: a Python server with its own habits (passive_ports falling back to any port when the
 * range is used up, masquerade_address, TLS_FTPHandler). Runs on the host, listening on 127.0.0.1
 * on a port the kernel picks (the script prints it), with an anonymous read-only root and one user
 * in a temp dir. The script exits when its stdin closes, so a test process that dies takes its
 * server with it. Returns null when pyftpdlib cannot run here — the caller skips with
 * pyftpdlibMissingReason().
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitGreeting, makeSelfSignedCertificate, spawnPeer, type RealPeer } from './peer-launch.js';

/** Debian's python3, which has Debian's python3-pyftpdlib (a pyenv python3 on PATH does not). */
export const PYFTPDLIB_PYTHON = process.env.FTP_DOCTOR_PYFTPDLIB_PYTHON ?? '/usr/bin/python3';

export interface PyftpdlibSettings {
  /** Explicit TLS (TLS_FTPHandler): 'required' refuses login and data in clear. Default none. */
  tls?: 'none' | 'optional' | 'required';
  /** passive_ports = range(from, to + 1). */
  passivePorts?: { from: number; to: number };
  /** masquerade_address: the address PASV advertises. */
  masqueradeAddress?: string;
}

/** Anonymous logins work too; the output is the script's log of every command and reply. */
export type PyftpdlibPeer = RealPeer;

export interface PyftpdlibOptions {
  settings?: PyftpdlibSettings;
  startTimeoutMs?: number;
}

/** The server: a JSON config in argv[1]; prints {"port": N} once listening. */
const SCRIPT = String.raw`
import json, logging, os, sys, threading
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer
config = json.loads(sys.argv[1])
authorizer = DummyAuthorizer()
authorizer.add_anonymous(config["root"])
authorizer.add_user(config["user"], config["password"], config["root"], perm="elr")
if config["tls"] != "none":
    from pyftpdlib.handlers import TLS_FTPHandler as Handler
    Handler.certfile = config["certFile"]
    Handler.keyfile = config["keyFile"]
    Handler.tls_control_required = Handler.tls_data_required = config["tls"] == "required"
else:
    from pyftpdlib.handlers import FTPHandler as Handler
Handler.authorizer = authorizer
Handler.timeout = 60
if config.get("passivePorts"):
    Handler.passive_ports = list(range(config["passivePorts"]["from"], config["passivePorts"]["to"] + 1))
if config.get("masqueradeAddress"):
    Handler.masquerade_address = config["masqueradeAddress"]
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="%(message)s")
server = FTPServer((config["host"], 0), Handler)
server.max_cons = 64
def exit_with_parent():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=exit_with_parent, daemon=True).start()
print(json.dumps({"port": server.socket.getsockname()[1]}), flush=True)
server.serve_forever(timeout=1)
`;

function importFails(modules: string): string | null {
  try {
    execFileSync(PYFTPDLIB_PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore', timeout: 20_000 });
    return null;
  } catch {
    return 'failed';
  }
}

let missingCache: string | null | undefined;
export function pyftpdlibMissingReason(): string | null {
  if (missingCache !== undefined) return missingCache;
  if (!existsSync(PYFTPDLIB_PYTHON)) missingCache = `${PYFTPDLIB_PYTHON} is missing (apt-get install python3 python3-pyftpdlib)`;
  else if (importFails('pyftpdlib')) missingCache = `pyftpdlib is not installed for ${PYFTPDLIB_PYTHON} (apt-get install python3-pyftpdlib)`;
  else missingCache = null;
  return missingCache;
}

/** TLS_FTPHandler needs pyOpenSSL. */
export function pyftpdlibTlsMissingReason(): string | null {
  return pyftpdlibMissingReason() ?? (importFails('OpenSSL') ? `pyOpenSSL is not installed for ${PYFTPDLIB_PYTHON} (apt-get install python3-openssl)` : null);
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'dir'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'hello.txt'), 'hello from pyftpdlib\n');
  await writeFile(join(root, 'dir', 'nested.txt'), 'nested\n');
}

/** The script's config. Pure. */
export function pyftpdlibConfig(settings: PyftpdlibSettings, paths: { root: string; certFile?: string; keyFile?: string }, user: { name: string; password: string }): Record<string, unknown> {
  const tls = settings.tls ?? 'none';
  if (tls !== 'none' && (!paths.certFile || !paths.keyFile)) throw new Error('pyftpdlib TLS needs a certificate and key');
  if (settings.passivePorts) {
    const { from, to } = settings.passivePorts;
    if (![from, to].every((port) => Number.isInteger(port) && port >= 1 && port <= 65535) || from > to) throw new Error(`pyftpdlib passive range: not a range: ${from}-${to}`);
  }
  if (settings.masqueradeAddress !== undefined && !net.isIPv4(settings.masqueradeAddress)) throw new Error(`pyftpdlib masquerade_address must be IPv4: ${settings.masqueradeAddress}`);
  return { host: '127.0.0.1', ...paths, ...settings, tls, user: user.name, password: user.password };
}

export async function startPyftpdlib(options: PyftpdlibOptions = {}): Promise<PyftpdlibPeer | null> {
  if (pyftpdlibMissingReason()) return null;
  const settings = options.settings ?? {};
  if ((settings.tls ?? 'none') !== 'none') {
    const tlsMissing = pyftpdlibTlsMissingReason();
    if (tlsMissing) throw new Error(tlsMissing);
  }
  const host = '127.0.0.1';
  const user = { name: 'probe', password: randomBytes(9).toString('base64url') };
  const directory = await mkdtemp(join(tmpdir(), 'ftp-doctor-pyftpdlib-'));
  let config: Record<string, unknown>;
  const root = join(directory, 'root');
  try {
    await chmod(directory, 0o755);
    await makeTree(root);
    const certificate = (settings.tls ?? 'none') === 'none' ? {} : await makeSelfSignedCertificate(directory);
    config = pyftpdlibConfig(settings, { root, ...certificate }, user);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const peer = spawnPeer([PYFTPDLIB_PYTHON, '-c', SCRIPT, JSON.stringify(config)], { directory, stdin: 'pipe' });
  let port: number | undefined;
  let stdout = '';
  peer.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    const line = /^\{"port": (\d+)\}$/m.exec(stdout);
    if (line) port = Number(line[1]);
  });
  await awaitGreeting(peer, 'pyftpdlib', host, () => port, /^220 pyftpdlib/, options.startTimeoutMs ?? 10_000);
  return { host, port: port as number, root, user, output: peer.output, stop: peer.stop };
}

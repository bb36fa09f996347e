/**
 * Small tools for the real-kernel tests: TCP listeners and connect probes run with `node -e`
 * inside a namespace, and curl as the FTP client. Every wait is bounded.
 */
import type { ChildProcess } from 'node:child_process';
import type { RunResult } from '../../src/netns/process.js';
import type { NetnsTopology, Role } from '../../src/netns/topology.js';

/**
 * Listen on ports (all addresses; '::' for IPv4 and IPv6) in a namespace; each connection gets
 * "hi\n". Resolves when ready.
 */
export async function startTcpServer(network: NetnsTopology, role: Role, ports: number[], host: '0.0.0.0' | '::' = '0.0.0.0'): Promise<ChildProcess> {
  const script = `const net = require('net'); let ready = 0; for (const port of ${JSON.stringify(ports)}) {
    net.createServer((socket) => { socket.on('error', () => {}); socket.end('hi\\n'); })
      .listen(port, ${JSON.stringify(host)}, () => { if (++ready === ${ports.length}) console.log('ready'); }); }`;
  const child = network.spawn(role, ['node', '-e', script]);
  await new Promise<void>((resolve, reject) => {
    // Node starting in a namespace on a busy machine: generous, the start-up is not what is tested.
    const timer = setTimeout(() => reject(new Error('tcp server did not start within 20 s')), 20_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcp server exited early (${code})`));
    });
  });
  return child;
}

/** One connect from a namespace: 'connected', 'timeout' (no answer within waitMs) or an errno code. */
export async function tcpOutcome(network: NetnsTopology, role: Role, host: string, port: number, waitMs = 1_000): Promise<string> {
  const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
    const timer = setTimeout(() => { console.log('timeout'); process.exit(0); }, ${waitMs});
    s.on('connect', () => { console.log('connected'); clearTimeout(timer); s.destroy(); });
    s.on('error', (e) => { console.log(e.code); clearTimeout(timer); });`;
  const result = await network.exec(role, ['node', '-e', script], { timeoutMs: waitMs + 5_000 });
  return result.stdout.trim();
}

/**
 * curl as an FTP client in the client namespace, verbose (the transcript lands in stderr). A
 * connection the firewall drops ends at the connect timeout (exit 28); a transfer that works gets
 * a generous total, since on a busy machine (a package being installed) 5 s was too little for
 * login and a listing through three namespaces.
 */
export function curl(network: NetnsTopology, args: string[]): Promise<RunResult> {
  return network.exec('client', ['curl', '-sS', '-v', '--connect-timeout', '4', '--max-time', '15', ...args], { timeoutMs: 25_000 });
}

/** curl's exit codes we assert on. */
export const CURL = { ok: 0, couldNotConnect: 7, timeout: 28, recvFailure: 56 } as const;

/**
 * One control connection from the client namespace: read the greeting, NOOP at once, stay idle
 * for idleMs, NOOP again. Prints "first:<reply code>" and "second:<reply code>|silent".
 */
export async function noopAfterIdle(network: NetnsTopology, host: string, port: number, idleMs: number): Promise<string[]> {
  const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
    let buffer = ''; let stage = 'greeting';
    const give = setTimeout(() => { console.log(stage + ':silent'); process.exit(0); }, ${idleMs + 1_000});
    s.on('error', (e) => { console.log(stage + ':' + e.code); process.exit(0); });
    s.on('data', (chunk) => {
      buffer += chunk; if (!buffer.endsWith('\\n')) return;
      const code = buffer.slice(0, 3); buffer = '';
      if (stage === 'greeting') { stage = 'first'; s.write('NOOP\\r\\n'); }
      else if (stage === 'first') { console.log('first:' + code); stage = 'second';
        setTimeout(() => s.write('NOOP\\r\\n'), ${idleMs}); }
      else { console.log('second:' + code); clearTimeout(give); s.destroy(); }
    });`;
  const result = await network.exec('client', ['node', '-e', script], { timeoutMs: idleMs + 8_000 });
  return result.stdout.trim().split('\n');
}

/**
 * Packet captures of a scenario on the real kernel: tcpdump on the client's and the server's
 * interface inside their namespaces, one file per side, so `explain` can be held to what the probe
 * found (one capture, and the pair). Every wait is bounded; the captures stop (SIGINT, so tcpdump
 * flushes) before the namespaces go.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetnsTopology } from './topology.js';

const TCPDUMP_PATHS = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'];
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export function tcpdumpPath(): string | undefined {
  return TCPDUMP_PATHS.find((candidate) => existsSync(candidate));
}

/** Why captures cannot be taken here, or undefined when they can. */
export function captureMissingReason(): string | undefined {
  return tcpdumpPath() ? undefined : 'tcpdump is not installed (Debian package tcpdump)';
}

export interface ScenarioCaptures {
  files: { client: string; server: string };
  stop(): Promise<void>;
}

function started(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what}: tcpdump did not start within ${START_TIMEOUT_MS} ms: ${output.trim()}`)), START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2000);
      if (/listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: tcpdump exited (${String(code)}): ${output.trim()}`));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** Start both captures: `<dir>/<name>.client.pcap` and `<dir>/<name>.server.pcap`. */
export async function startCaptures(network: NetnsTopology, dir: string, name: string): Promise<ScenarioCaptures> {
  const tcpdump = tcpdumpPath();
  if (!tcpdump) throw new Error(captureMissingReason());
  const files = { client: path.join(dir, `${name}.client.pcap`), server: path.join(dir, `${name}.server.pcap`) };
  const children = (['client', 'server'] as const).map((role) => {
    const child = network.spawn(role, [tcpdump, '-i', network.names.interfaces[role], '-n', '-U', '-s', '0', '--immediate-mode', '-w', files[role], 'tcp or icmp or icmp6']);
    child.stdout?.resume();
    return { role, child };
  });
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(({ child }) => stopped(child)));
  };
  try {
    await Promise.all(children.map(({ role, child }) => started(child, `${name} ${role}`)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { files, stop };
}

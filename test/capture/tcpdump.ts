/**
 * Test helper: tcpdump writing a capture of loopback traffic while real clients run, and tshark as
 * an independent decoder of the same file. Both are Debian packages (.ci/run installs them);
 * capturing needs root. `captureSkipReason` says why the tests cannot run, or null.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((path) => existsSync(path));
const TSHARK = ['/usr/bin/tshark'].find((path) => existsSync(path));

export const captureSkipReason: string | null = !TCPDUMP
  ? 'tcpdump is not installed (apt-get install tcpdump)'
  : process.getuid?.() !== 0
    ? 'capturing on lo with tcpdump needs root'
    : null;
export const tsharkSkipReason: string | null = TSHARK ? null : 'tshark is not installed (apt-get install tshark)';

export interface RunningCapture {
  file: string;
  stop(): Promise<void>;
}

/** How tcpdump is started: here, or inside a network namespace (NetnsTopology.spawn). */
export type Launch = (argv: string[]) => ChildProcess;
const launchHere: Launch = ([command, ...args]) => spawn(command as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Starts `tcpdump -i INTERFACE -w file filter` and resolves once it is listening (bounded wait). */
export async function startCapture(file: string, filter: string, options: { interfaceName?: string; launch?: Launch } = {}): Promise<RunningCapture> {
  const child = (options.launch ?? launchHere)([TCPDUMP as string, '-i', options.interfaceName ?? 'lo', '-n', '-U', '--immediate-mode', '-B', '16384', '-s', '0', '-w', file, filter]);
  let stderr = '';
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start within 20 s: ${stderr}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/listening on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    file,
    async stop() {
      // Immediate mode and -U put each packet in the file as it comes; a moment for the last ones, then stop (bounded).
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** tshark's FTP requests and responses in a capture: "frame verb" and "frame code" strings. */
export function tsharkFtpLines(file: string, controlPort: number): { requests: string[]; responses: string[] } {
  const result = spawnSync(
    TSHARK as string,
    ['-r', file, '-d', `tcp.port==${controlPort},ftp`, '-Y', 'ftp', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', 'ftp.request.command', '-e', 'ftp.response.code'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`tshark failed (${result.status}): ${result.stderr}`);
  const requests = new Set<string>();
  const responses = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    const [frame, commands = '', codes = ''] = line.split('\t');
    if (!frame) continue;
    for (const command of commands.split(',').filter(Boolean)) requests.add(`${frame} ${command.toUpperCase()}`);
    for (const code of codes.split(',').filter(Boolean)) responses.add(`${frame} ${code}`);
  }
  return { requests: [...requests], responses: [...responses] };
}

/** Frame numbers tshark shows for a display filter. */
export function tsharkFrames(file: string, displayFilter: string): number[] {
  const result = spawnSync(TSHARK as string, ['-r', file, '-Y', displayFilter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`tshark failed (${result.status}): ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean).map(Number);
}

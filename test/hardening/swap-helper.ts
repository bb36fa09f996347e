/**
 * A local attacker for the path race: a python3 process that swaps a directory and a symlink with
 * renameat2(RENAME_EXCHANGE) in a tight loop for a bounded time, then leaves them as they were
 * (an even number of swaps). python3's ctypes reaches the system call without a compiler.
 */
import { spawn, spawnSync } from 'node:child_process';

const SWAPPER = `
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
renameat2 = getattr(libc, 'renameat2', None)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b, seconds = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3])
def swap():
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0
if renameat2 is None or not swap() or not swap():
    print('unavailable', ctypes.get_errno()); sys.exit(3)
count = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(200):
        swap(); count += 1
if count % 2: swap(); count += 1
print(count)
`;

/** Why the swap cannot run here, or undefined when it can (tried on two scratch entries). */
export function swapUnavailable(scratchA: string, scratchB: string): string | undefined {
  const probe = spawnSync('python3', ['-c', SWAPPER, scratchA, scratchB, '0'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return 'python3 is not installed (needed to call renameat2 through ctypes)';
  if (probe.status !== 0) return `renameat2(RENAME_EXCHANGE) is not available here (${probe.stdout.trim() || probe.stderr.trim()})`;
  return undefined;
}

/** Swap `a` and `b` for `seconds`; resolves the number of swaps (even: they end as they began). */
export function swapFor(a: string, b: string, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', SWAPPER, a, b, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(output.trim()));
      else reject(new Error(`swapper exited ${code}: ${output.trim()}`));
    });
  });
}

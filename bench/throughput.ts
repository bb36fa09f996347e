/**
 * Benchmark 2: a big RETR on loopback. Our reference server vs vsftpd, both fetched by curl; our
 * client vs curl, both fetching from vsftpd; and a plain TCP copy between two processes as the
 * limit of this machine's loopback in the same run. Every figure is the best of `repeats` runs,
 * timed inside the fetching process (curl's time_total, our client's own clock), so process
 * start-up is not counted for anyone.
 */
import { chmod, open } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realNetwork } from '../src/net/real.js';
import { startVsftpd, vsftpdMissingReason } from '../src/netns/vsftpd.js';
import { startServer } from '../src/server/index.js';
import { formatRate, ratioOf, skippedRow, type BenchRow } from './table.js';
import { benchScript, commandExists, freePort, lastLine, runTimed } from './system.js';

const CAP_MS = 120_000;
const CURL = '/usr/bin/curl';

export interface FetchFigure {
  bytes: number;
  ms: number;
  bytesPerSecond: number;
  error?: string;
}

export interface ThroughputResult {
  bytes: number;
  repeats: number;
  loopback?: (FetchFigure & { tool: string })[];
  /** Our server serving vsftpd's very file from disk (--root): the transfer path without demo-content generation. */
  oursDiskByCurl?: FetchFigure[];
  /** A bare node:net server writing one 1 MiB buffer in a loop, fetched by curl: what Node itself can send. */
  nodeCeilingByCurl?: FetchFigure[];
  oursServerByCurl?: FetchFigure[];
  vsftpdByCurl?: FetchFigure[];
  oursClientFromVsftpd?: FetchFigure[];
  skipped?: string;
}

function figure(bytes: number, ms: number, expected: number, error?: string): FetchFigure {
  const complete = bytes === expected && !error;
  return { bytes, ms, bytesPerSecond: complete && ms > 0 ? bytes / (ms / 1000) : 0, ...(complete ? {} : { error: error ?? `got ${bytes} of ${expected} bytes` }) };
}

async function curlFetch(url: string, expected: number): Promise<FetchFigure> {
  const result = await runTimed([CURL, '-sS', '-o', '/dev/null', '-w', '%{time_total} %{size_download}', url], CAP_MS);
  const [seconds, size] = result.stdout.trim().split(' ').map(Number);
  if (result.capped) return figure(size ?? 0, CAP_MS, expected, `capped at ${CAP_MS / 1000} s`);
  return figure(size ?? 0, (seconds ?? 0) * 1000, expected, result.code === 0 ? undefined : `curl exit ${result.code}: ${lastLine(result.stderr)}`);
}

async function ourClientFetch(url: string, path: string, expected: number): Promise<FetchFigure> {
  const result = await runTimed([...benchScript('retrieve.ts'), url, path, String(expected)], CAP_MS);
  if (result.capped) return figure(0, CAP_MS, expected, `capped at ${CAP_MS / 1000} s`);
  try {
    const parsed = JSON.parse(lastLine(result.stdout, 10_000)) as { bytes: number; transferMs: number | null; outcome: string; error?: string };
    return figure(parsed.bytes, parsed.transferMs ?? 0, expected, parsed.outcome === 'complete' ? undefined : `${parsed.outcome}${parsed.error ? `: ${parsed.error}` : ''}`);
  } catch {
    return figure(0, 0, expected, `our client printed no result: ${lastLine(result.stderr)}`);
  }
}

/**
 * The limit: a plain TCP copy between two processes. Python's sendall/recv_into loop costs next to
 * nothing per byte; without python3, a node pair (slower: then it is a floor, not the limit).
 */
async function tcpCopy(bytes: number): Promise<FetchFigure & { tool: string }> {
  const python = await runTimed(['python3', fileURLToPath(new URL('./clients/tcp-copy.py', import.meta.url)), String(bytes)], CAP_MS).catch(() => undefined);
  if (python && python.code === 0) {
    const parsed = JSON.parse(lastLine(python.stdout, 1000)) as { bytes: number; ms: number };
    return { ...figure(parsed.bytes, parsed.ms, bytes), tool: 'python3 → python3' };
  }
  return { ...(await nodeCopy(bytes)), tool: 'node → node' };
}

async function nodeCopy(bytes: number): Promise<FetchFigure> {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  const server = createServer((socket) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        const size = Math.min(chunk.length, bytes - sent);
        sent += size;
        if (!socket.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void socket.once('drain', pump);
      }
      socket.end();
    };
    socket.on('error', () => socket.destroy());
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const result = await runTimed([...benchScript('tcp-sink.ts'), '127.0.0.1', String(port)], CAP_MS);
    if (result.capped) return figure(0, CAP_MS, bytes, `capped at ${CAP_MS / 1000} s`);
    const parsed = JSON.parse(lastLine(result.stdout, 1000) || '{"bytes":0,"ms":0}') as { bytes: number; ms: number };
    return figure(parsed.bytes, parsed.ms, bytes, result.code === 0 ? undefined : lastLine(result.stderr));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * The ceiling for any Node server here: a bare node:net server writing one 1 MiB buffer in a
 * loop (no file, no generation, no FTP), fetched by curl over HTTP, the framing curl needs.
 */
async function nodeCeiling(bytes: number, repeats: number): Promise<FetchFigure[]> {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  const server = createServer((socket) => {
    let sent = 0;
    socket.on('error', () => socket.destroy());
    socket.resume();
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`);
    const pump = (): void => {
      while (sent < bytes) {
        const size = Math.min(chunk.length, bytes - sent);
        sent += size;
        if (!socket.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await repeat(repeats, () => curlFetch(`http://127.0.0.1:${port}/`, bytes));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}


/** vsftpd serves a sparse file: zeros from the page cache, no disk I/O and no 1 GiB write. */
async function sparseFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
  await chmod(path, 0o644);
}

async function warm(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024);
    for (let position = 0, guard = 0; guard < 100_000; guard += 1) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

async function repeat<T extends FetchFigure>(times: number, body: () => Promise<T>): Promise<T[]> {
  const figures: T[] = [];
  for (let index = 0; index < times; index += 1) figures.push(await body());
  return figures;
}

function best(figures: FetchFigure[] | undefined): number | null {
  const rates = (figures ?? []).map((item) => item.bytesPerSecond).filter((rate) => rate > 0);
  return rates.length > 0 ? Math.max(...rates) : null;
}

function shown(figures: FetchFigure[] | undefined): string {
  const rate = best(figures);
  if (rate !== null) return formatRate(rate);
  return `failed: ${figures?.find((item) => item.error)?.error ?? 'not run'}`.slice(0, 60);
}

export async function benchThroughput(quick: boolean): Promise<{ rows: BenchRow[]; result: ThroughputResult }> {
  const bytes = quick ? 64 * 1024 ** 2 : 1024 ** 3;
  const repeats = quick ? 1 : 3;
  const size = quick ? '64 MiB' : '1 GiB';
  const result: ThroughputResult = { bytes, repeats };
  const missing = !commandExists(CURL) ? `curl is not installed (${CURL}; apt-get install curl)` : vsftpdMissingReason();
  if (missing) {
    result.skipped = missing;
    return { rows: [skippedRow('throughput', missing)], result };
  }
  result.loopback = await repeat(repeats, () => tcpCopy(bytes));

  result.nodeCeilingByCurl = await nodeCeiling(bytes, repeats);

  const ours = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', demoFiles: { '/big.bin': bytes } }, realNetwork);
  try {
    result.oursServerByCurl = await repeat(repeats, () => curlFetch(`ftp://127.0.0.1:${ours.port}/big.bin`, bytes));
  } finally {
    await ours.close();
  }

  const vsftpd = await startVsftpd({ settings: { port: await freePort() } });
  if (!vsftpd) throw new Error('vsftpd did not start');
  try {
    await sparseFile(join(vsftpd.root, 'big.bin'), bytes);
    // One untimed read first: a fresh sparse file is slow to read once, then served from memory.
    await warm(join(vsftpd.root, 'big.bin'));
    const url = `ftp://127.0.0.1:${vsftpd.port}`;
    // Interleaved, so a noisy neighbour hurts both sides of the pair alike.
    result.vsftpdByCurl = [];
    result.oursClientFromVsftpd = [];
    for (let index = 0; index < repeats; index += 1) {
      result.vsftpdByCurl.push(await curlFetch(`${url}/big.bin`, bytes));
      result.oursClientFromVsftpd.push(await ourClientFetch(`${url}/`, '/big.bin', bytes));
    }
    const disk = await startServer({ host: '127.0.0.1', port: 0, anonymous: true, log: 'none', root: vsftpd.root }, realNetwork);
    try {
      result.oursDiskByCurl = await repeat(repeats, () => curlFetch(`ftp://127.0.0.1:${disk.port}/big.bin`, bytes));
    } finally {
      await disk.close();
    }
  } finally {
    await vsftpd.stop();
  }

  const serverRatio = ratioOf(best(result.oursServerByCurl), best(result.vsftpdByCurl), 'larger');
  const diskRatio = ratioOf(best(result.oursDiskByCurl), best(result.vsftpdByCurl), 'larger');
  const clientRatio = ratioOf(best(result.oursClientFromVsftpd), best(result.vsftpdByCurl), 'larger');
  const note = `best of ${repeats}`;
  const rows: BenchRow[] = [
    { benchmark: 'throughput', measure: `loopback limit: plain TCP copy of ${size}`, ours: '-', peer: shown(result.loopback), ratio: null, met: null, note: result.loopback?.[0]?.tool ?? '' },
    { benchmark: 'throughput', measure: `ceiling: bare node:net server, ${size} by curl`, ours: '-', peer: shown(result.nodeCeilingByCurl), ratio: null, met: null, note: 'extra: a 1 MiB buffer written in a loop, over HTTP' },
    { benchmark: 'throughput', measure: `server: ${size} RETR, fetched by curl`, ours: shown(result.oursServerByCurl), peer: `vsftpd ${shown(result.vsftpdByCurl)}`, ratio: serverRatio, target: '≥ 0.8×', met: serverRatio === null ? false : serverRatio >= 0.8, note },
    { benchmark: 'throughput', measure: `server, same sparse file from disk (--root)`, ours: shown(result.oursDiskByCurl), peer: `vsftpd ${shown(result.vsftpdByCurl)}`, ratio: diskRatio, met: null, note: 'extra: without demo-content generation' },
    { benchmark: 'throughput', measure: `client: ${size} RETR from vsftpd`, ours: shown(result.oursClientFromVsftpd), peer: `curl ${shown(result.vsftpdByCurl)}`, ratio: clientRatio, target: '≥ 0.8×', met: clientRatio === null ? false : clientRatio >= 0.8, note },
  ];
  return { rows, result };
}

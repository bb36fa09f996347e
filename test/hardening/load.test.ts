/**
 * 300 concurrent sessions against one reference server, each logging in and doing PASV + RETR and
 * EPSV + STOR on a writable temp root. All must succeed with the right bytes; afterwards the open
 * file descriptors and passive listeners return to their baseline. Peak memory is recorded (and
 * printed for the README figures), not asserted against a time or a machine-dependent number.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, passivePort, readData, serve } from '../server/helpers.js';
import { countingNetwork, eventually, guardUncaught, openFileDescriptors } from './helpers.js';

const SESSIONS = 300;
const DOWNLOAD_BYTES = 64 * 1024;
const UPLOAD_BYTES = 16 * 1024;

let root: string;
let source: Buffer;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ftp-doctor-load-'));
  source = randomBytes(DOWNLOAD_BYTES);
  await writeFile(path.join(root, 'source.bin'), source);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Upload content that says which session sent it, so a mix-up between sessions shows. */
function uploadFor(index: number): Buffer {
  const content = Buffer.alloc(UPLOAD_BYTES, index % 251);
  content.write(`session ${index}\n`);
  return content;
}

/** Resolves once `parties` callers arrived, so every session is really held at the same time; bounded. */
function barrier(parties: number, limitMs = 30_000): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => {};
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    arrived += 1;
    if (arrived === parties) release();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`barrier: ${arrived} of ${parties} arrived`)), limitMs)));
    try {
      await Promise.race([all, limit]);
    } finally {
      clearTimeout(timer);
    }
  };
}

async function oneSession(port: number, index: number, together: () => Promise<void>): Promise<void> {
  const control = await RawClient.open(port);
  try {
    await control.login();
    expect((await control.command('TYPE I')).code).toBe(200);
    const pasvPort = passivePort(await control.command('PASV'));
    // All sessions logged in, each with its passive listener open, before any transfer starts.
    await together();
    const download = readData(pasvPort);
    expect((await control.command('RETR source.bin')).code).toBe(150);
    expect((await control.reply()).code).toBe(226);
    expect((await download).equals(source)).toBe(true);

    const dataPort = passivePort(await control.command('EPSV'));
    const socket = net.connect({ host: '127.0.0.1', port: dataPort });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    expect((await control.command(`STOR upload-${index}.bin`)).code).toBe(150);
    socket.end(uploadFor(index));
    expect((await control.reply()).code).toBe(226);
    expect((await control.command('QUIT')).code).toBe(221);
    expect(await control.closedByServer()).toBe(true);
  } finally {
    control.close();
  }
}

describe('load', () => {
  it(`${SESSIONS} concurrent sessions, each PASV + RETR and EPSV + STOR: all succeed, nothing leaks`, async () => {
    const guard = guardUncaught();
    // Let the worker settle before taking the baseline (module loading opens files too).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fdBaseline = openFileDescriptors();
    const network = countingNetwork();
    const server = await serve({ root, writable: true, limits: { maxSessions: SESSIONS + 10, maxSessionsPerIp: SESSIONS + 10 } }, network);
    let peakRss = process.memoryUsage().rss;
    let peakFds = fdBaseline ?? 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakFds = Math.max(peakFds, openFileDescriptors() ?? 0);
    }, 25);
    const rssBefore = process.memoryUsage().rss;
    const together = barrier(SESSIONS);
    try {
      const results = await Promise.allSettled(Array.from({ length: SESSIONS }, (_, index) => oneSession(server.port, index, together)));
      const failures = results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason));
      expect(failures.slice(0, 5)).toEqual([]);
      // The barrier held them all at once: 300 passive listeners and the control listener.
      expect(network.stats.peak).toBe(SESSIONS + 1);
      // Every session closed: only the control listener is left.
      expect(await eventually(() => network.open.size === 1, 10_000)).toBe(true);
    } finally {
      clearInterval(sampler);
      await server.close();
      guard.remove();
    }
    expect(network.open.size).toBe(0);
    // Every upload under its final name with its own content, and no temporary file left over.
    const names = (await readdir(root)).sort();
    expect(names.filter((name) => name.startsWith('.ftp-doctor-upload-'))).toEqual([]);
    expect(names.filter((name) => name.startsWith('upload-'))).toHaveLength(SESSIONS);
    for (const index of [0, 1, 150, SESSIONS - 1]) expect((await readFile(path.join(root, `upload-${index}.bin`))).equals(uploadFor(index))).toBe(true);
    if (fdBaseline !== undefined) {
      expect(await eventually(() => (openFileDescriptors() ?? 0) <= fdBaseline, 10_000)).toBe(true);
    }
    expect(guard.errors).toEqual([]);
    const figures = {
      sessions: SESSIONS,
      fdBaseline,
      fdPeak: peakFds,
      fdAfter: openFileDescriptors(),
      listenersPeak: network.stats.peak,
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssPeakMiB: Math.round(peakRss / 2 ** 20),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    console.log(`LOAD FIGURES ${JSON.stringify(figures)}`);
  }, 60_000);
});

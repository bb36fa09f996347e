/**
 * Resets the client did not ask for must never reach the process as an uncaught error: a server
 * that resets each data connection after its 226 (SO_LINGER 0, with or without a FIN first), one
 * that resets the moment its active-mode connection is open, and one that dials the client's
 * active-mode listener once more after the transfer and resets that too. The probe (the real
 * CLI, a process of its own) must live through all of it, in every mode, and report.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { realNetwork } from '../../src/net/real.js';
import type { ProbeReport } from '../../src/report/model.js';
import { eventually, guardUncaught, pause } from './helpers.js';
import { startScriptedFtp, type DataContext, type ScriptedFtp } from './scripted-ftp.js';

const run = promisify(execFile);
const CLI = [path.resolve('node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts'];
const LISTING = '-rw-r--r-- 1 ftp ftp 3 Jan 01 00:00 a.txt\r\n';

let server: ScriptedFtp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Dial the client's active-mode listener again and reset at once (the listener may be gone by now). */
function redialAndReset(target: { host: string; port: number } | undefined): void {
  if (!target) return;
  const socket = net.connect(target);
  socket.on('error', () => {});
  socket.once('connect', () => socket.resetAndDestroy());
}

/** Per mode a different hostile ending, so one run covers them all. */
async function hostileEnding(context: DataContext): Promise<void> {
  const { socket, reply } = context;
  if (context.active === undefined) {
    // Passive: the whole listing, FIN, 226, and then a reset while the client may still hold the socket.
    socket.end(LISTING);
    reply('226 done\r\n');
    await pause(30);
    socket.resetAndDestroy();
    return;
  }
  if (context.mode === 'PORT') {
    // Active: the listing and the 226, then a reset instead of a FIN; then a second connection, reset.
    socket.write(LISTING);
    reply('226 done\r\n');
    await pause(30);
    socket.resetAndDestroy();
  } else {
    // Active: reset the moment the connection is open, before a byte.
    socket.resetAndDestroy();
    reply('426 connection reset\r\n');
  }
  await pause(30);
  redialAndReset(context.active);
}

async function probeCli(port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['probe', `ftp://127.0.0.1:${port}/`, '--modes', 'all', '--data-timeout', '2000', '--connect-timeout', '5000', '--json', '--report-dir', 'none'];
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('resets after the transfer never crash the probe', () => {
  it('every mode: reset after the 226, reset on open, a late connection reset; the process reports', async () => {
    server = await startScriptedFtp(hostileEnding);
    const result = await probeCli(server.port);
    expect(result.stderr).not.toMatch(/internal error|ECONNRESET|uncaught/i);
    expect([0, 1]).toContain(result.code);
    const report = JSON.parse(result.stdout) as ProbeReport;
    expect(report.kind).toBe('probe');
    // Every mode ran to its own step: nothing was cut short by a crash.
    for (const id of ['data:epsv', 'data:pasv', 'data:port', 'data:eprt']) expect(report.steps.map((step) => step.id)).toContain(id);
    expect(server.transfers.length).toBeGreaterThanOrEqual(4);
  }, 90_000);
});

describe('the real network keeps an error listener on every socket it hands out', () => {
  it('a connection reset before its owner listens for errors is not thrown at the process', async () => {
    const resets = net.createServer((socket) => {
      socket.on('error', () => {});
      setTimeout(() => socket.resetAndDestroy(), 100);
    });
    await new Promise<void>((resolve) => resets.listen(0, '127.0.0.1', resolve));
    const guard = guardUncaught();
    try {
      const connection = await realNetwork.connect({ host: '127.0.0.1', port: (resets.address() as net.AddressInfo).port });
      // No listener of ours yet: the reset arrives meanwhile.
      expect(await eventually(() => connection.destroyed, 5000)).toBe(true);
      await pause(50);
      expect(guard.errors).toEqual([]);
    } finally {
      guard.remove();
      await new Promise((resolve) => resets.close(resolve));
    }
  });
});

/**
 * What the probe tests against Pure-FTPd and pyftpdlib check alike: a healthy server seen through
 * all four modes, and an advertised passive address the probe rightly did not dial. Every run
 * goes through loopbackOnly() (test/probe/real-peer.ts), whose record `dialled` is checked here.
 */
import { expect } from 'vitest';
import type { RealPeer } from '../../src/netns/peer-launch.js';
import { probe, type ProbeRun } from '../../src/probe/engine.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import { findingOf, loopbackOnly } from '../probe/real-peer.js';

export const ALL_MODES = ['epsv', 'pasv', 'port', 'eprt'] as const;
// Generous: a busy 2-core machine must not turn a slow listing into a finding.
const PATIENT = { connectTimeoutMs: 10_000, dataTimeoutMs: 5_000 };

/** Runs `body` with a started peer, stops it after, and puts the server's output in a failure. */
export async function withPeer<P extends RealPeer, T>(name: string, start: () => Promise<P | null>, body: (peer: P) => Promise<T>): Promise<T> {
  const peer = await start();
  if (!peer) throw new Error(`${name} did not start`);
  try {
    return await body(peer);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${name} output ---\n${peer.output().slice(-6000)}`, { cause: error });
  } finally {
    await peer.stop();
  }
}

export type PeerProbeOptions = Omit<ProbeOptions, 'url'> & { scheme?: string; anonymous?: boolean };

/** The probe against the peer as its user (or anonymous), every dial guarded to loopback. */
export async function probePeer(peer: RealPeer, options: PeerProbeOptions): Promise<ProbeRun & { dialled: string[] }> {
  const { scheme = 'ftp', anonymous = false, ...rest } = options;
  const { network, dialled } = loopbackOnly();
  const credentials = anonymous ? {} : { user: peer.user.name, password: peer.user.password };
  const run = await probe({ url: `${scheme}://127.0.0.1:${peer.port}/`, ...credentials, ...PATIENT, ...rest }, network);
  return { ...run, dialled };
}

/** Every mode complete with 226, active connections came back from 127.0.0.1, no findings, pass. */
export function expectHealthyAllModes(run: ProbeRun & { dialled: string[] }, product: string): void {
  expect(run.evidence.referenceServer).toBe(false);
  expect(run.evidence.greeting).toMatchObject({ code: 220, message: expect.stringContaining(product) });
  expect(run.evidence.attempts.map((attempt) => [attempt.mode, attempt.transfer.outcome, attempt.finalReply?.code])).toEqual(ALL_MODES.map((mode) => [mode, 'complete', 226]));
  for (const attempt of run.evidence.attempts.filter((item) => item.mode === 'port' || item.mode === 'eprt')) {
    expect(attempt.inbound).toMatchObject({ arrived: true, from: { host: '127.0.0.1' } });
  }
  expect(run.report.findings).toEqual([]);
  expect(run.report.verdict).toBe('pass');
  expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
}

/**
 * The 227 advertised `address` (a documentation address), the probe dialled the control peer
 * instead and the transfer completed: PASV_ADDRESS_HIDDEN_BY_CLIENT (info), pass.
 */
export function expectAdvertisedAddressNotDialled(run: ProbeRun & { dialled: string[] }, address: string): void {
  const pasv = run.evidence.attempts.find((attempt) => attempt.mode === 'pasv');
  expect(pasv?.advertised?.host).toBe(address);
  expect(pasv?.dialed?.host).toBe('127.0.0.1');
  expect(pasv?.transfer.outcome).toBe('complete');
  expect(run.dialled.length).toBeGreaterThan(0);
  expect(run.dialled.every((host) => host === '127.0.0.1')).toBe(true);
  const hidden = findingOf(run.report, 'PASV_ADDRESS_HIDDEN_BY_CLIENT');
  expect(hidden.severity).toBe('info');
  expect(hidden.title).toContain(address);
  expect(run.report.verdict).toBe('pass');
}

/** A passive range for --expect-range that cannot overlap `server` (both inside 1024-65535). */
export function disjointRange(server: { from: number; to: number }): { from: number; to: number } {
  return server.from > 40_000 ? { from: 10_000, to: 10_010 } : { from: 50_000, to: 50_010 };
}

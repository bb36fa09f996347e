/**
 * Test helpers for probes against real servers on 127.0.0.1: a Network that refuses, before any
 * socket exists, every dial off 127.0.0.0/8 (so an address policy bug is a failed assertion, never
 * a packet to an advertised address), finding look-ups that name what was there instead, and
 * checks shared by more than one real server's tests.
 */
import net from 'node:net';
import { expect } from 'vitest';
import type { ProbeRun } from '../../src/probe/engine.js';
import { realNetwork } from '../../src/net/real.js';
import type { Network } from '../../src/net/network.js';
import type { Finding, ProbeReport } from '../../src/report/model.js';

/** realNetwork, but every connect is recorded and anything off loopback is refused unsent. */
export function loopbackOnly(): { network: Network; dialled: string[] } {
  const dialled: string[] = [];
  const network: Network = {
    name: 'real (loopback only)',
    listen: (request, onConnection) => realNetwork.listen(request, onConnection),
    connect: (request) => {
      dialled.push(request.host);
      if (net.isIPv4(request.host) && request.host.startsWith('127.')) return realNetwork.connect(request);
      return Promise.reject(new Error(`test guard: refusing to dial ${request.host} (loopback only)`));
    },
  };
  return { network, dialled };
}

export const findingCodes = (report: ProbeReport): string[] => report.findings.map((finding) => finding.code);

/** The finding with this code; throws with the codes that were there when it is missing. */
export function findingOf(report: ProbeReport, code: string): Finding {
  const found = report.findings.find((item) => item.code === code);
  if (!found) throw new Error(`no ${code} among ${findingCodes(report).join(', ') || 'no findings'}`);
  return found;
}

/**
 * A server configured with another passive range than --expect-range, probed with samples over
 * loopback: PASV_PORT_OUT_OF_RANGE reads it as a different configured range (the band it names lies
 * inside the server's), and as a warning, since nothing on loopback filtered those ports.
 */
export function expectOtherConfiguredRange(run: ProbeRun, serverRange: { from: number; to: number }, minimumSamples: number): void {
  const ports = run.evidence.passivePorts;
  expect(ports.length).toBeGreaterThanOrEqual(minimumSamples);
  expect(ports.every((port) => port >= serverRange.from && port <= serverRange.to)).toBe(true);
  const outOfRange = findingOf(run.report, 'PASV_PORT_OUT_OF_RANGE');
  expect(outOfRange.explanation).toContain("The server's passive range differs from the one expected");
  const band = /the server uses about (\d+)-(\d+)/.exec(outOfRange.explanation);
  expect(Number(band?.[1])).toBeGreaterThanOrEqual(serverRange.from);
  expect(Number(band?.[2])).toBeLessThanOrEqual(serverRange.to);
  expect(outOfRange.severity).toBe('warning');
  expect(outOfRange.title).toContain('yet they got through');
}

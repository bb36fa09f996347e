import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { buildLanes, hopFromDecision, renderSequenceDiagram } from '../../src/report/diagram.js';
import type { AnyReport } from '../../src/report/model.js';
import { EDGE_DROP, blockedProbe, blockedTrace, check, healthyProbe, scenarioRun, sweep } from './fixtures.js';

/** Resource references that would make the page reach the network when opened. */
const NETWORK_REFERENCE = /(?:\b(?:src|href|action|poster|data|formaction|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\/)|url\(\s*["']?\s*(?:https?:)?\/\/|@import|<link\b|<iframe\b|<object\b|<embed\b/i;

const reports: [string, AnyReport][] = [
  ['healthy probe', healthyProbe()],
  ['blocked probe', blockedProbe()],
  ['scenario run', scenarioRun()],
  ['sweep', sweep()],
  ['check', check()],
];

describe('renderHtml', () => {
  it.each(reports)('%s: self-contained, no network references at all', (_name, report) => {
    const html = renderHtml(report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(NETWORK_REFERENCE);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it.each(reports)('%s: ids are unique and every local reference resolves', (_name, report) => {
    const html = renderHtml(report);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
    expect(new Set(ids).size).toBe(ids.length);
    const references = [...html.matchAll(/url\(#([^)]+)\)|href="#([^"]+)"|data-transcript="([^"]+)"/g)].map((match) => match[1] ?? match[2] ?? match[3]);
    for (const reference of references) expect(ids).toContain(reference);
  });

  it('pins its one inline script by hash in a policy that forbids network loads', () => {
    const html = renderHtml(blockedProbe());
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? '');
    expect(scripts).toHaveLength(1);
    const hash = createHash('sha256').update(scripts[0]!, 'utf8').digest('base64');
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`script-src 'sha256-${hash}'`);
  });

  it('probe: leads with where it failed and draws it in the diagram', () => {
    const html = renderHtml(blockedProbe());
    const sentence = 'data SYN to 203.0.113.5:50123 dropped by edge firewall: no rule matched, policy drop';
    expect(html).toContain(`<div class="callout">${sentence}</div>`);
    const svg = /<svg class="sequence"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain(sentence);
    expect(svg).toContain('>edge firewall</text>');
    expect(svg).toContain('class="death"');
    expect(svg).toContain('227 Entering Passive Mode (203,0,113,5,195,203).');
    expect(html).toContain('netsh advfirewall set global StatefulFtp enable');
    expect(html).toContain('@media print');
  });

  it('scenario run: one collapsed section per scenario, linked from the summary', () => {
    const html = renderHtml(scenarioRun());
    for (const id of ['control-channel-only', 'pasv-outside-range', 'ftps-breaks-inspection']) {
      expect(html).toMatch(new RegExp(`<details class="scenario" id="scenario-${id}"( open)?>`));
      expect(html).toContain(`href="#scenario-${id}"`);
    }
    // One diagram per control session of each scenario's probe.
    expect(html.match(/<svg class="sequence"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('The tool itself failed:');
  });

  it('sweep: a bar proportional to the spans', () => {
    const html = renderHtml(sweep());
    expect(html).toContain('<div class="state-open" style="flex:20"');
    expect(html).toContain('<div class="state-dropped" style="flex:6"');
  });
});

describe('sequence diagram', () => {
  it('names the hop from decidedBy', () => {
    expect(hopFromDecision(EDGE_DROP)).toBe('edge firewall');
    expect(hopFromDecision('rejected by server firewall (Windows Firewall rule "FTP")')).toBe('server firewall');
    expect(hopFromDecision('no idea')).toBeUndefined();
  });

  it('orders lanes along the path: client, client hops, NAT, edge, server hops, server', () => {
    const lanes = buildLanes({
      connections: [],
      transcript: [],
      trace: [
        { t: 0, at: 'server', connection: 'a:1 -> b:2', decision: 'accept', rule: 'r' },
        { t: 0, at: 'nat', connection: 'a:1 -> b:2', decision: 'dnat', rule: 'r' },
        { t: 0, at: 'edge', connection: 'a:1 -> b:2', decision: 'accept', rule: 'r' },
        { t: 0, at: 'client', connection: 'a:1 -> b:2', decision: 'accept', rule: 'r' },
      ],
    });
    expect(lanes.map((lane) => lane.label)).toEqual(['client', 'client firewall', 'NAT', 'edge firewall', 'server firewall', 'server']);
    expect(lanes.map((lane) => lane.x)).toEqual([...lanes.map((lane) => lane.x)].sort((a, b) => a - b));
  });

  it('without any hop information draws an unknown "network" in the middle', () => {
    expect(buildLanes({ connections: [], transcript: [], trace: [] }).map((lane) => lane.label)).toEqual(['client', 'network', 'server']);
  });

  it('puts the ✗ on the lane of the hop that dropped it (trace only, no decidedBy)', () => {
    const probe = blockedProbe();
    delete probe.connections[1]!.decidedBy;
    const svg = renderSequenceDiagram({ connections: probe.connections, transcript: [], trace: blockedTrace() }, 't');
    const lanes = buildLanes({ connections: probe.connections, transcript: [], trace: blockedTrace() });
    const edge = lanes.find((lane) => lane.label === 'edge firewall')!;
    expect(svg).toContain(`<circle cx="${edge.x}"`);
    expect(svg).toMatch(new RegExp(`class="death">.*<circle cx="${edge.x}"`));
    expect(svg).toContain('data SYN to 203.0.113.5:50123 dropped by edge firewall: no rule matched, policy drop');
  });

  it('draws active-mode data connections from the server to the client', () => {
    const probe = healthyProbe();
    probe.connections.push({ t: 70, durationMs: 5, session: 'port', purpose: 'data', from: '127.0.0.1:20', to: '127.0.0.1:41000', outcome: 'refused' });
    const svg = renderSequenceDiagram({ connections: probe.connections, transcript: [], trace: [] }, 't');
    const lanes = buildLanes({ connections: [], transcript: [], trace: [] });
    // The failed line starts at the server lane and dies at the client (the far end answered RST).
    expect(svg).toContain(`<line class="conn failed" x1="${lanes[2]!.x}" y1=`);
    expect(svg).toMatch(new RegExp(`<line class="conn failed" x1="${lanes[2]!.x}" y1="\\d+" x2="${lanes[0]!.x}"`));
    expect(svg).toMatch(new RegExp(`class="death"><title>[^<]*</title><circle cx="${lanes[0]!.x}"`));
  });
});

describe('sequence diagram directions', () => {
  it('on loopback (client and server share an address) passive connections still go client → server', () => {
    const probe = healthyProbe();
    const svg = renderSequenceDiagram({ connections: probe.connections, transcript: [], trace: [] }, 't');
    const [client, , server] = buildLanes({ connections: [], transcript: [], trace: [] });
    const lines = [...svg.matchAll(/<line class="conn (?:control|data)" x1="(\d+)" y1="\d+" x2="(\d+)"/g)];
    expect(lines).toHaveLength(3);
    for (const [, x1, x2] of lines) {
      expect(Number(x1)).toBe(client!.x);
      expect(Number(x2)).toBeGreaterThan(server!.x - 10);
    }
  });
});

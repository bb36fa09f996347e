/**
 * Hand-built reports for the renderer tests: a healthy probe, a probe whose PASV data connection
 * is dropped at the edge firewall (with a trace), a scenario run with one unmet expectation and
 * one tool error, a sweep, a check, and a probe full of hostile strings.
 */
import type { CheckReport, Finding, ProbeReport, ScenarioRunReport, SweepReport, TraceEntry } from '../../src/report/model.js';

const header = { tool: 'ftp-doctor' as const, version: '0.1.0', schemaVersion: 1, startedAt: '2024-05-06T07:08:09.123Z' };

export function healthyProbe(): ProbeReport {
  return {
    ...header,
    kind: 'probe',
    target: 'ftp://demo@127.0.0.1:2121/',
    verdict: 'pass',
    durationMs: 84,
    addressPolicy: 'control-peer',
    steps: [
      { id: 'connect', name: 'Connect', result: 'ok', startedAt: 0, durationMs: 3, detail: 'connected to 127.0.0.1:2121' },
      { id: 'greeting', name: 'Greeting', result: 'ok', startedAt: 3, durationMs: 2, detail: '220 ftp-doctor 0.1.0 ready' },
      { id: 'login', name: 'Login', result: 'ok', startedAt: 5, durationMs: 6, detail: '230 logged in' },
      { id: 'data:epsv', name: 'EPSV listing', mode: 'epsv', result: 'ok', startedAt: 11, durationMs: 30, detail: 'LIST: 3 entries, 182 bytes' },
      { id: 'data:pasv', name: 'PASV listing', mode: 'pasv', result: 'ok', startedAt: 41, durationMs: 28, detail: 'LIST: 3 entries, 182 bytes' },
    ],
    findings: [],
    transcript: [
      { t: 0, session: 'main', channel: 'net', direction: '*', text: 'connect 127.0.0.1:2121' },
      { t: 3, session: 'main', channel: 'control', direction: '<', text: '220 ftp-doctor 0.1.0 ready' },
      { t: 5, session: 'main', channel: 'control', direction: '>', text: 'USER demo' },
      { t: 6, session: 'main', channel: 'control', direction: '<', text: '331 password please' },
      { t: 7, session: 'main', channel: 'control', direction: '>', text: 'PASS hunter2' },
      { t: 10, session: 'main', channel: 'control', direction: '<', text: '230 logged in' },
      { t: 12, session: 'main', channel: 'control', direction: '>', text: 'EPSV' },
      { t: 13, session: 'main', channel: 'control', direction: '<', text: '229 Entering Extended Passive Mode (|||50010|)' },
      { t: 15, session: 'main', channel: 'control', direction: '>', text: 'LIST' },
      { t: 40, session: 'main', channel: 'control', direction: '<', text: '226 done' },
      { t: 42, session: 'main', channel: 'control', direction: '>', text: 'PASV' },
      { t: 43, session: 'main', channel: 'control', direction: '<', text: '227 Entering Passive Mode (127,0,0,1,195,91)' },
      { t: 68, session: 'main', channel: 'control', direction: '<', text: '226 done' },
    ],
    connections: [
      { t: 0, durationMs: 84, session: 'main', purpose: 'control', from: '127.0.0.1:40100', to: '127.0.0.1:2121', outcome: 'connected' },
      { t: 14, durationMs: 25, session: 'main', purpose: 'data', from: '127.0.0.1:40102', to: '127.0.0.1:50010', outcome: 'connected', bytes: 182 },
      { t: 44, durationMs: 23, session: 'main', purpose: 'data', from: '127.0.0.1:40104', to: '127.0.0.1:50011', outcome: 'connected', bytes: 182 },
    ],
    passivePorts: [50010, 50011],
  };
}

export const EDGE_DROP = 'dropped by edge firewall: no rule matched, policy drop';

export function blockedFinding(): Finding {
  return {
    code: 'DATA_CHANNEL_BLOCKED',
    severity: 'error',
    title: 'Login works but the data connection is dropped',
    explanation: 'The control connection on port 21 works, but the passive data connection to port 50123 never got an answer.\nA firewall between client and server drops it.',
    evidence: ['< 227 Entering Passive Mode (203,0,113,5,195,203)', 'data connect to 203.0.113.5:50123: no answer in 5000 ms'],
    remedies: [
      { product: 'IIS', text: 'Set the data channel port range and open it in the firewall.', commands: ['appcmd set config /section:system.ftpServer/firewallSupport /lowDataChannelPort:50000 /highDataChannelPort:50100'] },
      { product: 'nftables', text: 'Allow the passive range on the edge firewall.', commands: ['nft add rule inet filter forward tcp dport 50000-50100 accept'] },
      { product: 'nftables', text: 'Or load the FTP helper.', commands: ['modprobe nf_conntrack_ftp'] },
      { product: 'Windows Firewall', text: 'Enable stateful FTP.', commands: ['netsh advfirewall set global StatefulFtp enable'] },
    ],
  };
}

export function blockedTrace(): TraceEntry[] {
  return [
    { t: 0, at: 'nat', connection: '198.51.100.10:40000 -> 203.0.113.5:21', decision: 'dnat', rule: 'forward 21 to 10.0.0.5', detail: '-> 10.0.0.5:21' },
    { t: 0, at: 'edge', connection: '198.51.100.10:40000 -> 10.0.0.5:21', decision: 'accept', rule: 'tcp dport 21 accept' },
    { t: 21, at: 'edge', connection: '198.51.100.10:40002 -> 203.0.113.5:50123', decision: 'drop', rule: 'no rule matched, policy drop' },
  ];
}

export function blockedProbe(): ProbeReport {
  return {
    ...header,
    kind: 'probe',
    target: 'ftp://alice@203.0.113.5/',
    verdict: 'fail',
    durationMs: 5120,
    addressPolicy: 'control-peer',
    steps: [
      { id: 'connect', name: 'Connect', result: 'ok', startedAt: 0, durationMs: 4, detail: 'connected to 203.0.113.5:21' },
      { id: 'login', name: 'Login', result: 'ok', startedAt: 4, durationMs: 12, detail: '230 logged in' },
      { id: 'data:pasv', name: 'PASV listing', mode: 'pasv', result: 'fail', startedAt: 18, durationMs: 5002, detail: 'no data connection to 203.0.113.5:50123 within 5000 ms' },
      { id: 'data:port', name: 'PORT listing', mode: 'port', result: 'skip', startedAt: 5020, durationMs: 0, detail: 'not requested' },
    ],
    findings: [blockedFinding()],
    transcript: [
      { t: 2, session: 'main', channel: 'control', direction: '<', text: '220 Microsoft FTP Service' },
      { t: 4, session: 'main', channel: 'control', direction: '>', text: 'USER alice' },
      { t: 6, session: 'main', channel: 'control', direction: '<', text: '331 Password required' },
      { t: 8, session: 'main', channel: 'control', direction: '>', text: 'PASS correct-horse' },
      { t: 16, session: 'main', channel: 'control', direction: '<', text: '230 User logged in.' },
      { t: 18, session: 'main', channel: 'control', direction: '>', text: 'PASV' },
      { t: 20, session: 'main', channel: 'control', direction: '<', text: '227 Entering Passive Mode (203,0,113,5,195,203).' },
      { t: 21, session: 'main', channel: 'net', direction: '*', text: 'data connect 203.0.113.5:50123' },
      { t: 5021, session: 'main', channel: 'net', direction: '*', text: 'data connect timed out after 5000 ms' },
    ],
    connections: [
      { t: 0, durationMs: 5120, session: 'main', purpose: 'control', from: '198.51.100.10:40000', to: '203.0.113.5:21', outcome: 'connected' },
      { t: 21, durationMs: 5000, session: 'main', purpose: 'data', from: '198.51.100.10:40002', to: '203.0.113.5:50123', outcome: 'timeout', decidedBy: EDGE_DROP },
    ],
    passivePorts: [50123],
  };
}

export function scenarioRun(): ScenarioRunReport {
  const blocked = blockedProbe();
  return {
    ...header,
    kind: 'scenarios',
    verdict: 'fail',
    durationMs: 15_400,
    results: [
      {
        id: 'control-channel-only',
        title: 'Only port 21 is open',
        description: 'The edge firewall opens 21 and nothing else: login works, LIST hangs.',
        source: 'scenarios/control-channel-only.yaml',
        expectationMet: true,
        mismatches: [],
        expected: { verdict: 'fail', findings: ['DATA_CHANNEL_BLOCKED'], failingStep: 'data:pasv' },
        backend: 'sim',
        probe: blocked,
        failure: { step: 'data:pasv', hop: 'edge firewall', rule: 'policy drop' },
        trace: blockedTrace(),
        durationMs: 5200,
      },
      {
        id: 'pasv-outside-range',
        title: 'Passive ports outside the firewall range',
        description: 'IIS hands out ports from 0-0; the firewall allows 5500-5525 only.',
        source: 'scenarios/pasv-outside-range.yaml',
        expectationMet: false,
        mismatches: ['expected finding PASV_PORT_OUT_OF_RANGE, got DATA_CHANNEL_BLOCKED only'],
        expected: { verdict: 'fail', findings: ['PASV_PORT_OUT_OF_RANGE'], failingStep: 'data:pasv' },
        backend: 'sim',
        probe: blockedProbe(),
        failure: { step: 'data:pasv', hop: 'edge firewall', rule: 'policy drop' },
        trace: blockedTrace(),
        durationMs: 5100,
      },
      {
        id: 'ftps-breaks-inspection',
        title: 'TLS hides PASV from the ALG',
        description: 'The FTP helper cannot read encrypted 227 replies.',
        source: 'scenarios/ftps-breaks-inspection.yaml',
        expectationMet: false,
        mismatches: [],
        expected: { verdict: 'fail', findings: ['TLS_BREAKS_INSPECTION'] },
        backend: 'sim',
        probe: { ...healthyProbe(), verdict: 'fail', steps: [], findings: [], transcript: [], connections: [] },
        trace: [],
        error: 'TypeError: cannot read properties of undefined (reading "certificate")\n    at startTls (src/client/tls.ts:42:7)',
        durationMs: 12,
      },
    ],
  };
}

export function sweep(): SweepReport {
  const ports = Array.from({ length: 26 }, (_, index) => {
    const port = 5500 + index;
    return port < 5520 ? { port, state: 'open' as const } : { port, state: 'dropped' as const, detail: 'no answer in 2000 ms' };
  });
  return {
    ...header,
    kind: 'sweep',
    target: 'ftp://127.0.0.1:2121/',
    verdict: 'fail',
    durationMs: 4000,
    method: 'extension',
    range: { from: 5500, to: 5525 },
    tested: 26,
    ports,
    spans: [],
    findings: [{ ...blockedFinding(), code: 'PASV_PORT_OUT_OF_RANGE', title: 'Ports 5520-5525 are not open', evidence: ['5520-5525 dropped'] }],
  };
}

export function check(): CheckReport {
  return {
    ...header,
    kind: 'check',
    verdict: 'fail',
    durationMs: 5300,
    targets: [
      { name: 'staging', target: 'ftp://127.0.0.1:2121/', verdict: 'pass', failures: [], probe: healthyProbe() },
      { name: 'production', target: 'ftp://alice@203.0.113.5/', verdict: 'fail', failures: ['DATA_CHANNEL_BLOCKED: Login works but the data connection is dropped'], probe: blockedProbe() },
      { name: 'broken', target: 'ftp://127.0.0.1:1/', verdict: 'fail', failures: [], error: 'spawn failed: EMFILE' },
    ],
  };
}

/** Text a hostile or broken server could send, aimed at every output format at once. */
export const HOSTILE = 'evil\u001b[2J\u001b[1;32mPASS\u001b[0m\u0000]]><script>alert(1)</script>\u202e&"\'|`@admin\r\n::error::pwned';

export function hostileProbe(): ProbeReport {
  const probe = blockedProbe();
  probe.target = 'ftp://alice:s3cr3t-pw@203.0.113.5/';
  probe.steps[0]!.detail = HOSTILE;
  probe.steps[2]!.detail = HOSTILE;
  probe.findings[0]!.title = HOSTILE;
  probe.findings[0]!.explanation = HOSTILE;
  probe.findings[0]!.evidence.push(HOSTILE);
  probe.findings[0]!.remedies[0]!.commands!.push(HOSTILE);
  probe.transcript.push({ t: 30, session: 'main', channel: 'control', direction: '<', text: `550 ${HOSTILE}` });
  probe.transcript.push({ t: 31, session: 'main', channel: 'control', direction: '>', text: 'PASS s3cr3t-pw' });
  probe.connections[1]!.decidedBy = `dropped by edge firewall: ${HOSTILE}`;
  return probe;
}

/**
 * Run by tls.test.ts in a child process started with NODE_EXTRA_CA_CERTS, so the client trusts
 * the test CA the way a machine with that CA installed would (node reads the variable only at
 * start). Probes each target given as JSON on argv and prints one JSON line per target.
 */
import { probe } from '../../src/probe/engine.js';
import { realNetwork } from '../../src/net/real.js';

interface Target {
  name: string;
  url: string;
  strictTls: boolean;
}

const targets = JSON.parse(process.argv[2] ?? '[]') as Target[];
for (const target of targets) {
  const run = await probe({ url: target.url, modes: ['pasv'], strictTls: target.strictTls, connectTimeoutMs: 3000, dataTimeoutMs: 3000 }, realNetwork);
  const line = {
    name: target.name,
    authTls: run.evidence.authTls,
    findings: run.report.findings.map((finding) => ({ code: finding.code, severity: finding.severity, title: finding.title })),
    transcript: run.report.transcript.map((entry) => `${entry.session} ${entry.direction} ${entry.text}`),
    attempts: run.evidence.attempts.map((attempt) => ({ tls: attempt.tls, session: attempt.session, outcome: attempt.transfer.outcome })),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

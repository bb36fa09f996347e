import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { appendStepSummary, escapeAnnotationData, escapeAnnotationProperty, githubAnnotations, MAX_STEP_SUMMARY_BYTES } from '../../src/report/ci.js';
import type { Finding, FindingCode } from '../../src/report/model.js';
import { blockedFinding, blockedProbe, check, healthyProbe, scenarioRun, sweep } from './fixtures.js';

/** Splits a workflow command into its parts, undoing GitHub's escaping. */
function parseCommand(line: string): { level: string; title: string; message: string } {
  const match = /^::(\w+) title=([^:]*)::(.*)$/s.exec(line);
  if (!match) throw new Error(`not a workflow command: ${line}`);
  const unescape = (text: string): string => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  return { level: match[1]!, title: unescape(match[2]!), message: unescape(match[3]!) };
}

describe('annotation escaping', () => {
  it('percent-encodes %, CR and LF in data, and : , too in properties', () => {
    expect(escapeAnnotationData('100%\r\nnext: a,b')).toBe('100%25%0D%0Anext: a,b');
    expect(escapeAnnotationProperty('100%\r\nnext: a,b')).toBe('100%25%0D%0Anext%3A a%2Cb');
  });
});

describe('githubAnnotations', () => {
  it('healthy probe: nothing to say', () => {
    expect(githubAnnotations(healthyProbe())).toEqual([]);
  });

  it('blocked probe: one error per error finding, with the failing hop', () => {
    const lines = githubAnnotations(blockedProbe());
    expect(lines).toHaveLength(1);
    const command = parseCommand(lines[0]!);
    expect(command.level).toBe('error');
    expect(command.title).toBe('DATA_CHANNEL_BLOCKED: Login works but the data connection is dropped');
    expect(command.message).toContain('dropped by edge firewall: no rule matched, policy drop');
    expect(command.message).toContain('Fix (IIS)');
  });

  it('every line is one command: no raw newline, and the title has no raw : or ,', () => {
    const reports = [blockedProbe(), scenarioRun(), sweep(), check()];
    for (const line of reports.flatMap(githubAnnotations)) {
      expect(line).not.toMatch(/[\r\n]/);
      const title = /^::\w+ title=([^:]*)::/.exec(line)?.[1];
      expect(title).toBeDefined();
      expect(title).not.toMatch(/[,]/);
    }
  });

  it('a hostile finding cannot start a workflow command of its own', () => {
    const probe = blockedProbe();
    probe.findings[0]!.explanation = 'x\n::add-mask::secret\r\n::set-env name=A::B 100%';
    const line = githubAnnotations(probe)[0]!;
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('x%0A::add-mask::secret%0A::set-env name=A::B 100%25');
    expect(parseCommand(line).message).toContain('x\n::add-mask::secret\n');
  });

  it('scenarios: unmet expectation and tool error are errors', () => {
    const commands = githubAnnotations(scenarioRun()).map(parseCommand);
    expect(commands.map((command) => command.title)).toEqual(['scenario pasv-outside-range: expectation unmet', 'scenario ftps-breaks-inspection: tool error']);
    expect(commands[0]!.message).toContain('failed at step data:pasv, hop edge firewall');
  });

  it('sweep and check', () => {
    expect(parseCommand(githubAnnotations(sweep())[0]!).message).toBe('5500-5519 open, 5520-5525 dropped');
    expect(githubAnnotations(check()).map((line) => parseCommand(line).title)).toEqual(['check production failed', 'check broken: tool error']);
  });

  it('keeps within GitHub display limits: 10 per level, the last says how many more, messages cut', () => {
    const probe = blockedProbe();
    const many = (severity: Finding['severity'], count: number): Finding[] =>
      Array.from({ length: count }, (_, index) => ({ ...blockedFinding(), severity, code: `CODE_${severity}_${index}` as FindingCode /* made up, to tell them apart */, explanation: 'y'.repeat(5000) }));
    probe.findings = [...many('error', 14), ...many('warning', 12), ...many('info', 2)];
    const commands = githubAnnotations(probe).map(parseCommand);
    expect(commands.filter((command) => command.level === 'error')).toHaveLength(10);
    expect(commands.filter((command) => command.level === 'warning')).toHaveLength(10);
    expect(commands.filter((command) => command.level === 'notice')).toHaveLength(2);
    expect(commands[9]!.message).toContain('and 4 more errors');
    expect(commands[19]!.message).toContain('and 2 more warnings');
    for (const command of commands) expect(command.message.length).toBeLessThanOrEqual(1000);
  });
});

describe('appendStepSummary', () => {
  it('does nothing outside GitHub Actions', async () => {
    expect(await appendStepSummary('# hi', {})).toBeUndefined();
  });

  it('appends to the file GitHub names, keeping what was there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftp-doctor-summary-'));
    try {
      const file = join(dir, 'summary.md');
      await writeFile(file, 'earlier step\n');
      expect(await appendStepSummary('# report', { GITHUB_STEP_SUMMARY: file })).toBe(file);
      expect(await readFile(file, 'utf8')).toBe('earlier step\n# report\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cuts a summary that would exceed the 1 MiB limit, with a note', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftp-doctor-summary-'));
    try {
      const file = join(dir, 'summary.md');
      await appendStepSummary('é'.repeat(MAX_STEP_SUMMARY_BYTES), { GITHUB_STEP_SUMMARY: file });
      const written = await readFile(file, 'utf8');
      expect(Buffer.byteLength(written)).toBeLessThan(MAX_STEP_SUMMARY_BYTES);
      expect(written).toContain('summary cut to fit');
      expect(written).not.toContain('\uFFFD');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

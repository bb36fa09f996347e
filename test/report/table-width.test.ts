/**
 * Terminal output fits 80 columns (issue 13, item 7): every line of probe, scenarios, sweep and
 * check output, measured as a terminal draws it (string-width, the measure cli-table3 lays out
 * with, after stripping ANSI), with realistic long findings and remedies (the whole catalogue's,
 * from the committed sample report), long paths and URLs, and wide characters. Nothing is cut:
 * a long path is wrapped, never shortened with "…".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { AnyReport, CheckReport, ProbeReport, ScenarioRunReport, SweepReport } from '../../src/report/model.js';
import { stripAnsi } from '../../src/report/sanitize.js';
import { renderTable } from '../../src/report/table.js';
import { continuationFor, wrapCommand, wrapText } from '../../src/report/wrap.js';
import { blockedProbe, check, sweep } from './fixtures.js';

const SAMPLE = path.resolve(import.meta.dirname, '../../reports/samples/report.json');
const catalogue = (): ScenarioRunReport => JSON.parse(readFileSync(SAMPLE, 'utf8')) as ScenarioRunReport;

const LONG_PATH = '/srv/ftp/customers/acme-corporation/incoming/2026/quarterly-reports/final/with-a-name-that-goes-on-and-on_and_on.tar.gz';
const WIDE = '報告書フォルダー/ファイル名がとても長いファイル.txt';

function probeWithLongText(): ProbeReport {
  const probe = blockedProbe();
  probe.target = `ftp://deploy@ftp.customer-with-a-very-long-domain-name.example.com:2121${LONG_PATH}`;
  probe.steps.push({ id: 'retrieve', name: 'Retrieve a file', result: 'fail', startedAt: 80, durationMs: 5000, detail: `RETR ${LONG_PATH}: 550 ${WIDE} not found` });
  probe.findings[0]?.evidence.push(`> RETR ${LONG_PATH}`, `< 550 ${WIDE}: No such file or directory`);
  return probe;
}

function checkWithLongText(): CheckReport {
  const report = check();
  report.targets.push({ name: 'customer-acme-production-eu-west', target: probeWithLongText().target, verdict: 'fail', failures: [`passive port 61234 is outside 5500-5525 (${LONG_PATH})`] });
  return report;
}

function sweepWithManySpans(): SweepReport {
  const report = sweep();
  report.target = probeWithLongText().target;
  report.ports = Array.from({ length: 200 }, (_, index) => ({ port: 5500 + index, state: index % 3 === 0 ? 'dropped' : 'open' }));
  report.range = { from: 5500, to: 5699 };
  report.spans = [];
  return report;
}

/** The catalogue as single probe reports: the real findings and remedies, the longest there are. */
const catalogueProbes = (): ProbeReport[] => catalogue().results.map((result) => result.probe);

function reports(): [string, AnyReport][] {
  return [
    ['probe with long paths and wide characters', probeWithLongText()],
    ['scenarios run (the catalogue)', catalogue()],
    ['scenarios run of three, with findings and remedies', { ...catalogue(), results: catalogue().results.filter((result) => result.probe.findings.length > 0).slice(0, 3) }],
    ['sweep with many spans', sweepWithManySpans()],
    ['check with long targets', checkWithLongText()],
    ...catalogueProbes().map((probe, index): [string, AnyReport] => [`catalogue probe ${index + 1}`, probe]),
  ];
}

function tooWide(text: string, width: number): string[] {
  return text.split('\n').filter((line) => stringWidth(stripAnsi(line)) > width);
}

describe('terminal output fits the width', () => {
  for (const width of [80, 100]) {
    for (const color of [false, true]) {
      it(`every line ≤ ${width} columns${color ? ', coloured' : ''}`, () => {
        for (const [name, report] of reports()) {
          expect(tooWide(renderTable(report, { color, width }), width), name).toEqual([]);
        }
      });
    }
  }

  it('80 columns is the default width', () => {
    expect(tooWide(renderTable(catalogue(), { color: false }), 80)).toEqual([]);
  });

  it('nothing is cut: a long path in a cell is wrapped, whole', () => {
    const text = renderTable(probeWithLongText(), { color: false, width: 80 });
    expect(text).not.toContain('…');
    // Cell contents joined back together (borders and padding removed) contain the whole path.
    const joined = text.replace(/[│┌┐└┘├┤┬┴┼─]/g, '').replace(/\s+/g, '');
    expect(joined).toContain(LONG_PATH);
    expect(joined).toContain(WIDE.replace(/\s+/g, ''));
  });
});

describe('wrapping', () => {
  it('breaks a long word after a separator where it can', () => {
    expect(wrapText('TLS_SESSION_REUSE_REQUIRED', 20)).toEqual(['TLS_SESSION_REUSE_', 'REQUIRED']);
    expect(wrapText('/srv/ftp/incoming/reports', 12)).toEqual(['/srv/ftp/', 'incoming/', 'reports']);
  });

  it('keeps newlines and the indentation of each line', () => {
    expect(wrapText('  one two three\n\nfour', 11)).toEqual(['  one two', '  three', '', 'four']);
  });

  it('continues a wrapped command the way its shell reads it', () => {
    expect(continuationFor('nft add rule inet filter input tcp dport 50000-50100 accept')).toBe('\\');
    expect(continuationFor('%windir%\\system32\\inetsrv\\appcmd.exe set config')).toBe('^');
    expect(continuationFor('netsh advfirewall firewall add rule name="FTP"')).toBe('^');
    expect(continuationFor('New-NetFirewallRule -DisplayName FTP')).toBe('`');
    const command = 'az network nsg rule create --resource-group <group> --nsg-name <nsg> --name ftp-passive --priority 310 --access Allow';
    const lines = wrapCommand(command, 60, '  $ ');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(60);
    for (const line of lines.slice(0, -1)) expect(line.endsWith(' \\')).toBe(true);
    // Pasted into a shell, the lines are the command again.
    expect(lines.map((line) => line.replace(/^ *(\$ )?/, '').replace(/ \\$/, '')).join(' ')).toBe(command);
  });

  it('a word longer than a line is continued inside the word, so the shell joins it back', () => {
    const url = `https://downloads.example.com/${'very-long-path-segment/'.repeat(6)}ftp-doctor.tar.gz`;
    const command = `curl -O ${url} --retry 3`;
    const lines = wrapCommand(command, 60, '$ ');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(60);
    // A POSIX shell removes backslash-newline; the indent after a break between words only separates
    // them (so it is dropped here), and a line after a cut word has none, so the word is whole again.
    expect(lines.some((line) => /[^ ]\\$/.test(line))).toBe(true);
    expect(lines.join('\n').replace(/^\$ /, '').replace(/\\\n */g, '')).toBe(command);
  });

  it('leaves a command that fits alone', () => {
    expect(wrapCommand('pasv_min_port=50000', 80, '$ ')).toEqual(['$ pasv_min_port=50000']);
  });
});

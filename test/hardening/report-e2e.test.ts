/**
 * End to end: a hostile server's greeting, replies and LIST output (file names with ANSI escapes,
 * control characters, bidi overrides, markup) go through the real probe and come out inert in
 * every report format — terminal table (with and without colour), JSON, JUnit, HTML, Markdown —
 * while staying visible, so the evidence is still honest about what the server sent.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/engine.js';
import { realNetwork } from '../../src/net/real.js';
import type { ProbeReport } from '../../src/report/model.js';
import { renderHtml, renderJson, renderJUnit, renderMarkdown, renderTable } from '../../src/report/index.js';
import { parseXml } from '../report/xml.js';
import { startFake, type FakeConnection, type FakeServer } from '../client/fake-ftp.js';

const HOSTILE_NAMES = [
  '\u001b[2J\u001b[1;1HEVIL-clear-screen.txt',
  '\u001b]0;EVIL-title\u0007.txt',
  '\u001b[32mEVIL-fake-PASS\u001b[0m.txt',
  '\u009b31mEVIL-c1.txt',
  'EVIL-nul\u0000.txt',
  'EVIL-bell\u0007-backspace\u0008.txt',
  'EVIL-bidi-\u202egnp.exe',
  'EVIL-bare\rCR.txt',
  'EVIL-</script><script>alert(1)</script>.txt',
  'EVIL-]]><injected/>.txt',
  'EVIL-<!-- comment -->.txt',
  '::error::EVIL-workflow-command',
];
const GREETING = '220 \u001b[2J\u001b[31mEVIL-greeting\u001b]8;;http://evil.example/\u0007link\u001b]8;;\u0007 \u202eoh\u0000';

/** Answers what the probe asks, LIST with the hostile names; one script per control connection. */
async function hostileServer(connection: FakeConnection): Promise<void> {
  connection.send(`${GREETING}\r\n`);
  let data: Promise<net.Socket> | undefined;
  for (let count = 0; count < 30 && !connection.socket.destroyed; count += 1) {
    const line = await connection.command(5000).catch(() => undefined);
    if (line === undefined) return;
    const verb = line.split(' ')[0]!.toUpperCase();
    if (verb === 'USER') connection.send('331 \u001b[5mEVIL-user\u001b[0m\r\n');
    else if (verb === 'PASS') connection.send('230 Logged in \u0007EVIL\r\n');
    else if (verb === 'FEAT') connection.send('211-Features\u001b[2K:\r\n EVIL-\u001b[31mFEATURE\r\n PASV\r\n211 End\r\n');
    else if (verb === 'SYST') connection.send('215 UNIX \u001b]0;EVIL-syst\u0007\r\n');
    else if (verb === 'PASV' || verb === 'EPSV') {
      const listener = await connection.dataListener();
      data = listener.accepted;
      const port = listener.port;
      connection.send(verb === 'PASV' ? `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255}) \u001b[7mEVIL\r\n` : `229 Entering Extended Passive Mode (|||${port}|) \u202eEVIL\r\n`);
    } else if (verb === 'LIST') {
      const socket = await data!;
      connection.send('150 \u001b[1mEVIL-opening\r\n');
      socket.end(HOSTILE_NAMES.map((name) => `-rw-r--r-- 1 ftp ftp 12 Jan 01 00:00 ${name}\r\n`).join(''));
      await new Promise((resolve) => setTimeout(resolve, 20));
      connection.send('226 \u001b[32mEVIL all good\u0000\r\n');
    } else if (verb === 'QUIT') {
      connection.send('221 Bye \u001b[0m\r\n');
      connection.socket.end();
      return;
    } else connection.send('502 Not here.\r\n');
  }
}

let fake: FakeServer;
let report: ProbeReport;
beforeAll(async () => {
  fake = await startFake(hostileServer);
  const run = await probe({ url: `ftp://127.0.0.1:${fake.port}/`, modes: ['epsv', 'pasv'], connectTimeoutMs: 2000, dataTimeoutMs: 2000 }, realNetwork);
  report = run.report;
});
afterAll(async () => {
  await fake.close();
});

// C0 controls but tab/newline, DEL, C1, bidi overrides and isolates: none may survive raw.
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function strings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, into);
  return into;
}

describe('hostile server text through the probe into every report format', () => {
  it('the probe really carried the hostile text (the data channel worked, names are in the transcript)', () => {
    expect(report.steps.filter((step) => step.id.startsWith('data:')).map((step) => step.result)).toEqual(['ok', 'ok']);
    const raw = report.transcript.map((line) => line.text).join('\n');
    for (const marker of ['EVIL-clear-screen', 'EVIL-fake-PASS', 'EVIL-bidi', 'EVIL-greeting', 'alert(1)']) expect(raw).toContain(marker);
  });

  const formats: [string, () => string][] = [
    ['terminal table', () => renderTable(report, { color: false })],
    ['terminal table in colour (our own SGR codes removed)', () => renderTable(report, { color: true }).replace(/\u001b\[[0-9;]*m/g, '')],
    ['JSON', () => renderJson(report)],
    ['JUnit', () => renderJUnit(report)],
    ['HTML', () => renderHtml(report)],
    ['Markdown', () => renderMarkdown(report)],
  ];

  it.each(formats)('%s: no escape sequence, control character or bidi override survives; the text stays visible', (_name, render) => {
    const output = render();
    expect(output).not.toMatch(UNSAFE);
    expect(output).toContain('EVIL-greeting');
  });

  it('terminal table in colour: the only escapes are our own colour codes', () => {
    const output = renderTable(report, { color: true });
    const escapes = output.match(/\u001b[^m]*m|\u001b./g) ?? [];
    expect(escapes.every((sequence) => /^\u001b\[[0-9;]*m$/.test(sequence))).toBe(true);
    expect(output).not.toMatch(/\u001b\[(2J|1;1H|5m|7m|2K)|\u001b\]/);
  });

  it('JSON: every string value is free of control characters and the listing names are there, escaped', () => {
    const parsed = JSON.parse(renderJson(report)) as unknown;
    const values = strings(parsed);
    expect(values.filter((value) => UNSAFE.test(value))).toEqual([]);
    const text = values.join('\n');
    expect(text).toContain('EVIL-nul\\x00.txt');
    expect(text).toContain('EVIL-bidi-\\u202egnp.exe');
    expect(text).toContain('EVIL-bare\\x0dCR.txt');
  });

  it('JUnit: well-formed XML, the markup from the server is text, not elements', () => {
    const xml = renderJUnit(report);
    const root = parseXml(xml);
    const names = new Set<string>();
    const walk = (element: typeof root): void => {
      names.add(element.name);
      for (const child of element.children) walk(child);
    };
    walk(root);
    expect([...names].filter((name) => !['testsuites', 'testsuite', 'testcase', 'failure', 'skipped', 'system-out', 'system-err', 'properties', 'property', 'error'].includes(name))).toEqual([]);
    expect(xml).toContain('EVIL-clear-screen');
  });

  it('HTML: no script or comment from the server is live', () => {
    const html = renderHtml(report);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<!-- comment -->');
    expect(html).not.toContain('<injected/>');
    expect(html).toContain('EVIL-');
  });
});

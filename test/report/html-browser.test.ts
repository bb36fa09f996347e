/**
 * The HTML report in a real browser (Debian's chromium, headless): opened from disk, no console
 * or page errors, the diagram shows the failing hop, and a screenshot for people to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it, expect } from 'vitest';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../src/report/html.js';
import type { ScenarioRunReport } from '../../src/report/model.js';
import { blockedProbe, hostileProbe, scenarioRun } from './fixtures.js';

const SAMPLE = resolve(import.meta.dirname, '../../reports/samples/report.json');

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

if (!hasChromium) console.warn(`skipping the HTML browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe('HTML report in chromium', () => {
  it.skipIf(!hasChromium)('opens from disk without errors, shows the failing hop, and is screenshotted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftp-doctor-html-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
    try {
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(scenarioRun()), 'utf8');
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url());
      });
      // A met scenario is collapsed: the address pointing into it opens it (the page's script),
      // and inside it the diagram of the session that failed is open.
      await page.goto(`${pathToFileURL(file).href}#scenario-control-channel-only`, { waitUntil: 'load', timeout: 15_000 });

      const diagram = page.locator('#scenario-control-channel-only details.session[open] svg.sequence');
      await expect.poll(() => diagram.count(), { timeout: 5_000 }).toBe(1);
      const diagramText = (await diagram.textContent()) ?? '';
      expect(diagramText).toContain('dropped by edge firewall: no rule matched, policy drop');
      expect(diagramText).toContain('edge firewall');
      // The ✗ is drawn and visible, not just present in the markup.
      expect(await diagram.locator('g.death').first().isVisible()).toBe(true);

      // Printing keeps the diagram.
      await page.emulateMedia({ media: 'print' });
      expect(await diagram.isVisible()).toBe(true);
      await page.emulateMedia({ media: 'screen' });

      const artifacts = resolve('test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });

      // The inline script runs under the page's CSP (a wrong hash would block it and log an error):
      // the transcript's session filter hides the other session's lines.
      const twoSessions = blockedProbe();
      twoSessions.transcript.push({ t: 40, session: 'epsv', channel: 'control', direction: '>', text: 'EPSV' });
      const filterFile = join(dir, 'filter.html');
      await writeFile(filterFile, renderHtml(twoSessions), 'utf8');
      await page.goto(pathToFileURL(filterFile).href, { waitUntil: 'load', timeout: 15_000 });
      await page.locator('select[data-transcript]').selectOption('epsv');
      expect(await page.locator('.transcript .line:visible').count()).toBe(1);
      expect(await page.locator('.transcript .line:visible').textContent()).toContain('EPSV');

      // Hostile text must stay text: no script of its own runs, nothing is injected.
      const hostileFile = join(dir, 'hostile.html');
      await writeFile(hostileFile, renderHtml(hostileProbe()), 'utf8');
      await page.goto(pathToFileURL(hostileFile).href, { waitUntil: 'load', timeout: 15_000 });
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('main').textContent()).toContain('<script>alert(1)</script>');

      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The catalogue's report was 175,826 px tall with every diagram drawn open; collapsed sections
  // make it a page one can scroll. Generous bound: the summary table alone is ~1,500 px.
  it.skipIf(!hasChromium)('the catalogue report is short when collapsed, and a summary link opens its scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ftp-doctor-html-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
    try {
      const report = JSON.parse(await readFile(SAMPLE, 'utf8')) as ScenarioRunReport;
      const file = join(dir, 'catalogue.html');
      await writeFile(file, renderHtml(report), 'utf8');
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 15_000 });
      const height = async (): Promise<number> => Number(await page.evaluate('document.documentElement.scrollHeight'));
      const collapsed = await height();
      expect(collapsed).toBeLessThan(5_000);
      expect(await page.locator('details.scenario').count()).toBe(report.results.length);

      const first = report.results.find((result) => result.failure)?.id ?? '';
      await page.locator(`a[href="#scenario-${first}"]`).click();
      await expect.poll(() => page.locator(`#scenario-${first}`).evaluate((element) => (element as unknown as { open: boolean }).open), { timeout: 5_000 }).toBe(true);
      expect(await page.locator(`#scenario-${first} details.session[open] svg.sequence`).first().isVisible()).toBe(true);

      // Everything open (as printed) is the long page the sections hide.
      await page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true; })");
      expect(await height()).toBeGreaterThan(collapsed * 5);
      const artifacts = resolve('test-artifacts');
      await mkdir(artifacts, { recursive: true });
      await page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = false; })");
      await page.screenshot({ path: join(artifacts, 'catalogue.png'), fullPage: true });
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

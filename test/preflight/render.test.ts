/**
 * A preflight report in every format: the file:line evidence shown, and configuration text that
 * carries escapes or markup (a config file is the user's, but it may come from anywhere)
 * neutralised like a server's words are.
 */
import { describe, expect, it } from 'vitest';
import { preflight } from '../../src/preflight/predict.js';
import { parseCompose } from '../../src/preflight/publishing/compose.js';
import { parseVsftpdConf } from '../../src/preflight/servers/vsftpd.js';
import { renderHtml, renderJUnit, renderMarkdown, renderTable } from '../../src/report/index.js';

describe('preflight reports', async () => {
  const vsftpd = parseVsftpdConf('vsftpd.conf', 'pasv_min_port=50000\npasv_max_port=50100\npasv_address=\u001b[31m<script>alert(1)</script>\nbogus line\n');
  const compose = parseCompose('compose.yml', 'services:\n  ftp:\n    image: example/ftp\n    ports:\n      - "21:21"\n      - "50000-50050:50000-50050"\n');
  const { report } = await preflight([vsftpd, compose], [], { client: 'outside', simulate: false });

  // Markup matters where a browser or an XML reader reads it; a terminal shows it as text.
  it.each([
    ['table', () => renderTable(report, { color: false, width: 100 }), false],
    ['markdown', () => renderMarkdown(report), true],
    ['html', () => renderHtml(report), true],
    ['junit', () => renderJUnit(report), true],
  ] as [string, () => string, boolean][])('%s: the evidence with its places, no raw escape or markup from the files', (_name, render, markup) => {
    const output = render();
    expect(output).toMatch(/PASV_PORT_OUT_OF_RANGE/);
    expect(output).toMatch(/compose\.yml:6 publishes 50000-50050/);
    expect(output).toMatch(/vsftpd\.conf:4/); // the line not understood
    expect(output).not.toContain('\u001b');
    if (markup) expect(output).not.toContain('<script>alert');
  });
});

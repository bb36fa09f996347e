/**
 * Skipped tests print their reason in the default reporter's output: vitest itself runs a fixture
 * with every way our tests skip, and its output must name each skipped test and why.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';

const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

describe('skip reasons', () => {
  it('the suite loads the setup file that prints them', () => {
    expect(config.test?.setupFiles).toContain('test/setup/skip-reasons.ts');
  });

  it('the default reporter shows each skipped test with its reason', () => {
    const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'test/setup/fixtures/vitest.fixture.config.ts', '--reporter=default'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
      timeout: 120_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toContain('↓ skipped group: a group that needs the peer [skipped: the peer is not installed (apt-get install peer)]');
    expect(output).toContain('↓ skipped test: a test skipped with its reason as the condition — the peer is not installed (apt-get install peer)');
    expect(output).toContain('↓ skipped test: a test that skips itself at run time — decided while running: the binary vanished');
    expect(output).toContain('↓ skipped test: a test that only runs on another platform (skipped: needs FreeBSD)');
    expect(output).not.toContain('↓ skipped test: a test that runs');
  }, 150_000);
});

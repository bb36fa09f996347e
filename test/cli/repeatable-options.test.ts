/**
 * Repeatable options take one value per use: `explain --port 2121 capture.pcap` must not read the
 * capture as a second port ("Not enough non-option arguments"), and a stray word after serve's
 * --user or the exporter's --allow is an error, not a second user or host. Through the CLI, as a
 * user types it.
 */
import { describe, expect, it } from 'vitest';
import { ftpDoctor } from '../setup/run-cli.js';

const CAPTURE = 'test/fixtures/capture/ftp-ethernet-le.pcap';

describe('explain --port', () => {
  it.each([
    ['before the file', ['explain', '--port', '2121', CAPTURE]],
    ['repeated before the file', ['explain', '--port', '2121', '--port', '2122', CAPTURE]],
    ['comma-separated', ['explain', '--port', '2121,2122', CAPTURE, '--json']],
    ['after the file', ['explain', CAPTURE, '--port', '2121']],
  ])('%s', async (_, args) => {
    const result = await ftpDoctor(args);
    expect(result.stderr).not.toMatch(/non-option arguments|internal error/);
    expect(result.code).toBe(0);
  });

  it('a value that is not a port is named', async () => {
    const result = await ftpDoctor(['explain', '--port', '21x', CAPTURE]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('ftp-doctor: --port must be a TCP port (1-65535), got "21x"');
  });
});

describe('other repeatable options', () => {
  // Before: the stray word was taken as a second value and the server started (killed at the deadline).
  it.each([
    ['serve --user', ['serve', '--host', '127.0.0.1', '--port', '0', '--user', 'alice:right-one', 'extra']],
    ['serve --demo-file', ['serve', '--host', '127.0.0.1', '--port', '0', '--demo-file', 'a.bin:10', 'extra']],
    ['exporter --allow', ['exporter', '--listen', '127.0.0.1:0', '--allow', '127.0.0.1', 'extra']],
  ])('%s takes one value', async (_, args) => {
    const result = await ftpDoctor(args, 30_000);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('ftp-doctor: Unknown argument: extra');
  });
});

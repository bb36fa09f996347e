/**
 * Server text quoted only in part (a product clue, the first line of a non-FTP peer, a sweep
 * detail) is cut after the known passwords are removed: cut first, a password across the cut no
 * longer matches and its first characters would be shown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { identifyServer } from '../../src/diagnosis/server-product.js';
import { readPeer } from '../../src/diagnosis/peer-kind.js';
import { quote } from '../../src/sweep/prove.js';
import { forgetSecrets, rememberSecret } from '../../src/report/secrets.js';

const PASSWORD = 'xhunter2secret';
afterEach(() => forgetSecrets());

describe('quotes cut after redaction', () => {
  // The password starts at character 76 of the text: a cut at 80 would keep 'xhun'.
  const text = `530 Non-anonymous sessions must use encryption ${'.'.repeat(76 - 47)}${PASSWORD} trailing`;

  it('a product clue', () => {
    rememberSecret(PASSWORD);
    expect(text.indexOf(PASSWORD)).toBe(76);
    const identity = identifyServer({ replies: [text] });
    expect(identity?.product).toBe('vsftpd');
    expect(identity?.clue).not.toMatch(/xhun/);
  });

  it('the first line of a peer that is not FTP', () => {
    rememberSecret(PASSWORD);
    const line = `SSH-2.0-OpenSSH_9.2 ${'x'.repeat(96 - 20)}${PASSWORD}`;
    expect(readPeer(line).firstLine).not.toMatch(/xhun/);
  });

  it('a sweep detail', () => {
    rememberSecret(PASSWORD);
    expect(quote(`${'y'.repeat(77)}${PASSWORD}`)).not.toMatch(/xhu/);
  });
});

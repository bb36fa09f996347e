/** Tests start real vsftpd peers through the product's own launcher. */
import type { TestContext } from 'vitest';
import { startVsftpd, vsftpdMissingReason, type VsftpdOptions, type VsftpdPeer } from '../../src/netns/vsftpd.js';

export * from '../../src/netns/vsftpd.js';

/**
 * startVsftpd inside a running test. vsftpd was there when the file was collected (else the test
 * was skipped), but packages can change under a running suite (an apt-get that removes or replaces
 * it): then the test is skipped with that reason, not failed.
 */
export async function vsftpdOrSkip(skip: TestContext['skip'], options: VsftpdOptions): Promise<VsftpdPeer> {
  const missing = vsftpdMissingReason();
  if (missing) return skip(`${missing}, since this file was collected`);
  const peer = await startVsftpd(options);
  return peer ?? skip('vsftpd went missing while the test ran');
}

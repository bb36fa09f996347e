/**
 * The diagnosis and the address module share one notion of an unroutable address: facts.unroutable
 * must agree with ftp/address isUnroutable for every class, and never throw on host names.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress, isUnroutable, UNROUTABLE_CLASSES } from '../../src/ftp/address.js';
import { unroutable } from '../../src/diagnosis/facts.js';

const SAMPLES = ['10.0.0.5', '172.16.1.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '0.0.0.0', '224.0.0.1', '240.0.0.1', '192.0.2.1', '198.51.100.1', '203.0.113.10', '8.8.8.8', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '2001:db8::1', '2606:4700::1', '::ffff:10.0.0.5', '::ffff:8.8.8.8'];

describe('unroutable', () => {
  it('agrees with the address module for a sample of every class', () => {
    const classes = new Set(SAMPLES.map((address) => classifyAddress(address)));
    for (const kind of UNROUTABLE_CLASSES) expect(classes, `no sample for ${kind}`).toContain(kind);
    for (const address of SAMPLES) expect(unroutable(address), address).toBe(isUnroutable(address));
  });

  it('is false for host names and missing addresses instead of throwing', () => {
    expect(unroutable('ftp.example.com')).toBe(false);
    expect(unroutable(undefined)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { serveOptionsFromArguments } from '../../src/cli/serve-options.js';

describe('serve --allow-ccc', () => {
  it('turns allowCcc on with TLS', () => {
    expect(serveOptionsFromArguments({ tls: 'explicit', allowCcc: true }).allowCcc).toBe(true);
    expect(serveOptionsFromArguments({ tls: 'implicit', allowCcc: true }).allowCcc).toBe(true);
  });

  it('is off unless given', () => {
    expect(serveOptionsFromArguments({ tls: 'explicit' }).allowCcc).toBeUndefined();
  });

  it('is a usage error without TLS (there would be nothing to clear)', () => {
    expect(() => serveOptionsFromArguments({ allowCcc: true })).toThrow(/--allow-ccc needs --tls/);
  });
});

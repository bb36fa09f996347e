/**
 * basic-ftp with its defaults (timeout 30 s, EPSV then PASV), listing the root: the peer of the
 * time-to-verdict benchmark. Only what a self-signed test certificate needs is set.
 * Exits 0 with the number of entries, or 1 with basic-ftp's error message.
 * Usage: basic-ftp-list.ts HOST plain|tls
 */
import { Client } from 'basic-ftp';

const [host = '127.0.0.1', variant = 'plain'] = process.argv.slice(2);
const client = new Client();
try {
  await client.access({ host, secure: variant === 'tls', secureOptions: { rejectUnauthorized: false } });
  const entries = await client.list();
  process.stdout.write(`listed ${entries.length} entries\n`);
} catch (error) {
  process.stderr.write(`basic-ftp: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  client.close();
}

/** Test helper: servers that need a fixed port up front (vsftpd's listen_port) get one this way. */
import net from 'node:net';

/** A loopback port that was free a moment ago (another process may take it before it is used). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

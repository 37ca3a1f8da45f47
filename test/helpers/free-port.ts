// A TCP port on 127.0.0.1 that was free a moment ago, for a test server to listen on.
import { createServer } from 'node:net';

/**
 * Asks the kernel for a free port (bind to 0), then releases it for sshd or postgres to take.
 * Another process may take it in between: callers detect a failed bind and try again.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from bind(0)'))));
    });
  });
}

/**
 * Free TCP ports on the loopback interface. The kernel picks one (listen on port 0), we close
 * the socket and hand the number out; numbers handed out by this process are not handed out
 * again, so that instances started together never collide with one another.
 */
import { type AddressInfo, createServer, type Server } from 'node:net';

const handedOut = new Set<number>();

/** A port nobody listens on at the moment of the call. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.unref();
      s.once('error', reject);
      s.listen(0, host, () => {
        const a = s.address();
        const p = typeof a === 'object' && a !== null ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found on the loopback interface');
}

/** Whether something accepts connections on `port` right now. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once('error', () => resolve(true));
    s.listen(port, host, () => s.close(() => resolve(false)));
  });
}

/** Listens on `port` (0: one the kernel picks) and resolves the port it got; rejects on error. */
export function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

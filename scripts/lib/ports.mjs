import net from 'node:net';

/** True when nothing listens on host:port (we can bind it). */
export function isPortFree(port, host = '0.0.0.0') {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The preferred port when it is free, otherwise one the OS picks. */
export async function choosePort(preferred, host = '0.0.0.0') {
  if (preferred && (await isPortFree(preferred, host))) return preferred;
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A port the OS picks as free on host (for private test and benchmark services). */
export const freePort = (host = '127.0.0.1') => choosePort(0, host);

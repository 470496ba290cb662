import { PROTOCOL_VERSION, decodeServerFrame, encodeFrame } from '@conclave/protocol';
import { ConclaveError } from '../errors.js';
import type { SocketFactory } from './socket.js';

/** What a server says about itself before anyone logs in. */
export interface ServerInfo {
  /** The server's name and version, e.g. `conclave/0.1`. */
  server: string;
  /** How accounts are created: `invite` (a code), `open` (anyone), `closed`. */
  registration: 'invite' | 'open' | 'closed';
  /** True while no admin exists: the first account needs the setup code the server printed. */
  setupPending: boolean;
}

/**
 * Opens a socket to `url` (`wss://…/ws`), exchanges `hello`, and closes: so a
 * sign-up page can ask for an invite or setup code only when one is needed.
 * @param timeoutMs how long to wait for the server's hello (default 5 000 ms).
 * @throws ConclaveError `CONCLAVE_ERR_CONNECT_FAILED` (no connection or no
 *   answer in time), `CONCLAVE_ERR_BAD_REPLY` (not a Conclave server).
 */
export function probeServer(url: string, socketFactory: SocketFactory, timeoutMs = 5_000, clientName = 'conclave-probe/0.1'): Promise<ServerInfo> {
  return new Promise((resolve, reject) => {
    const socket = socketFactory(url);
    let done = false;
    const finish = (result: ServerInfo | ConclaveError): void => {
      if (done) return;
      done = true;
      globalThis.clearTimeout(timer);
      socket.close(1000, 'probe done');
      if (result instanceof ConclaveError) reject(result);
      else resolve(result);
    };
    const timer = globalThis.setTimeout(() => finish(new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED', 'The server did not answer in time.')), timeoutMs);
    socket.onopen = () => socket.send(encodeFrame({ type: 'hello', protocol: PROTOCOL_VERSION, client: clientName }));
    socket.onmessage = (text) => {
      const decoded = decodeServerFrame(text);
      if (!decoded.ok || decoded.frame.type !== 'hello') return finish(new ConclaveError('CONCLAVE_ERR_BAD_REPLY'));
      const { server, registration } = decoded.frame;
      finish({ server, registration: registration.policy, setupPending: registration.setupPending });
    };
    socket.onerror = (err) => finish(new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED', undefined, { cause: err }));
    socket.onclose = () => finish(new ConclaveError('CONCLAVE_ERR_CONNECT_FAILED'));
  });
}

/**
 * Retrying what is safe to repeat (reads: facts, state polls), and only when the transport lost
 * an established connection: the next attempt reconnects. Connect failures, host-key and auth
 * refusals, and command timeouts are final; writes (defines) are never retried here.
 */
import pRetry from 'p-retry';
import { CommandTimeoutError } from './connection/errors.js';
import { UnreachableError } from './errors.js';

export function isLostConnection(err: unknown): boolean {
  return err instanceof UnreachableError && !(err instanceof CommandTimeoutError) && /connection lost|connection was reset|ECONNRESET/i.test(err.message);
}

export function retryRead<T>(read: () => Promise<T>, retries = 2): Promise<T> {
  return pRetry(read, { retries, minTimeout: 250, factor: 2, shouldRetry: ({ error }) => isLostConnection(error) });
}

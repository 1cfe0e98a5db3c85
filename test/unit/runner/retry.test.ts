import t from 'tap';
import { CommandTimeoutError } from '../../../engine/connection/errors.js';
import { TaskError, UnreachableError } from '../../../engine/errors.js';
import { isLostConnection, retryRead } from '../../../engine/retry.js';

t.test('only a lost connection is retried, and only for reads', async (t) => {
  t.equal(isLostConnection(new UnreachableError('h', 'connection lost while running a command (ECONNRESET)')), true);
  t.equal(isLostConnection(new UnreachableError('h', 'connection refused at 127.0.0.1:22')), false);
  t.equal(isLostConnection(new UnreachableError('h', 'host key for [h]:22 is not known')), false);
  t.equal(isLostConnection(new CommandTimeoutError('h', 1000)), false);
  t.equal(isLostConnection(new TaskError('connection lost')), false);

  let calls = 0;
  const ok = await retryRead(async () => {
    if (++calls < 3) throw new UnreachableError('h', 'connection lost while running a command');
    return 'facts';
  });
  t.equal(ok, 'facts');
  t.equal(calls, 3, 'two retries after two drops');

  let refused = 0;
  await t.rejects(
    retryRead(async () => {
      refused++;
      throw new UnreachableError('h', 'authentication failed');
    }),
    /authentication failed/,
  );
  t.equal(refused, 1, 'an auth failure is not retried');
});

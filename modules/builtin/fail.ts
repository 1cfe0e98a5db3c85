import type { ModuleDef } from '../../engine/module.js';

/** Ansible's fail: fail the host with a message (usually under `when`). */
export const fail: ModuleDef<{ msg?: string }> = {
  name: 'fail',
  description: 'fail the host with a message',
  checkMode: 'plan',
  async run(_ctx, args) {
    return { changed: false, failed: true, msg: args.msg ?? 'Failed as requested from task' };
  },
};

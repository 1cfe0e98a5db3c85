import type { ModuleDef } from '../../engine/module.js';
import { evalCondition } from '../../engine/template/render.js';

interface Args {
  that: string | string[];
  fail_msg?: string;
  msg?: string;
  success_msg?: string;
  quiet?: boolean;
}

/** Ansible's assert prints its result at every verbosity unless quiet. */
const shown = (args: Args): { _ansible_verbose_always?: true } => (args.quiet ? {} : { _ansible_verbose_always: true });

/** Ansible's assert: every expression must hold, else the host fails with fail_msg. */
export const assert: ModuleDef<Args> = {
  name: 'assert',
  description: 'fail unless every given condition holds',
  checkMode: 'plan',
  async run(ctx, args) {
    const exprs = Array.isArray(args.that) ? args.that : [args.that];
    for (const e of exprs) {
      if (!evalCondition([e], ctx.vars, { task: 'assert' })) {
        return { changed: false, failed: true, assertion: e, evaluated_to: false, msg: args.fail_msg ?? args.msg ?? 'Assertion failed', ...shown(args) };
      }
    }
    return { changed: false, msg: args.success_msg ?? 'All assertions passed', ...shown(args) };
  },
};

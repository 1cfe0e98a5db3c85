import type { ModuleDef, ModuleResult } from '../../engine/module.js';

interface Args {
  msg?: unknown;
  var?: string;
  verbosity?: number;
}

/**
 * Ansible's debug: print a message or a variable; changes nothing. Its result is printed at
 * every verbosity (`_ansible_verbose_always`, as Ansible's debug action sets it).
 */
export const debug: ModuleDef<Args> = {
  name: 'debug',
  description: 'print a message or the value of a variable',
  checkMode: 'plan',
  async run(ctx, args): Promise<ModuleResult> {
    if (args.verbosity !== undefined && ctx.verbosity < args.verbosity) {
      return { changed: false, skipped: true, skipped_reason: `verbosity threshold not met` };
    }
    if (args.var !== undefined) {
      const value = args.var in ctx.vars ? ctx.vars[args.var] : `VARIABLE IS NOT DEFINED!`;
      return { changed: false, [args.var]: value, _ansible_verbose_always: true };
    }
    // msg keeps its type, as Ansible's: a list or a dict is printed as one, not as a string
    const result: Record<string, unknown> = { changed: false, _ansible_verbose_always: true, msg: args.msg === undefined ? 'Hello world!' : args.msg };
    return result as ModuleResult;
  },
};

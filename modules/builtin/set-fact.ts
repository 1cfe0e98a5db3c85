import type { ModuleDef } from '../../engine/module.js';
import type { Vars } from '../../engine/types.js';

/** Ansible's set_fact: set host variables for later tasks (they rank above play vars). */
export const setFact: ModuleDef<Vars> = {
  name: 'set_fact',
  description: 'set variables on the host for the following tasks',
  checkMode: 'plan',
  async run(_ctx, args) {
    return { changed: false, ansible_facts: { ...args } };
  },
};

/** Data shapes shared by the engine's loaders, runner and reporters. Plain data, no behaviour. */
import type { SourcePos } from './errors.js';

export type Vars = Record<string, unknown>;

// ---------- inventory ----------
export interface InventoryHost {
  name: string;
  /** Variables set on the host itself (inventory file, then host_vars/ beside it). */
  vars: Vars;
  /** Groups that list the host directly (not ancestors, not 'all'). */
  groups: string[];
}

export interface InventoryGroup {
  name: string;
  /** Variables from the inventory source itself ([g:vars], YAML `vars:`). */
  vars: Vars;
  /**
   * Variables from group_vars/ files, beside the inventory and beside the playbook. Kept apart
   * because Ansible ranks every group_vars/ file above every inventory-source group var.
   */
  fileVars?: { inventory: Vars; playbook: Vars };
  children: string[];
  hosts: string[];
}

export interface Inventory {
  /** The file (or files) it came from, for messages. */
  source: string;
  /** Hosts in inventory order. */
  hosts: Map<string, InventoryHost>;
  /** Groups, including the implicit 'all' and 'ungrouped'. */
  groups: Map<string, InventoryGroup>;
}

// ---------- playbook ----------
export interface Task {
  name: string;
  /** Module name as written (e.g. virtio_nic). */
  module: string;
  /** Module arguments, not yet templated. */
  args: Vars;
  when: string[];
  /** changed_when / failed_when: decide the result's changed / failed after the module ran. */
  changedWhen?: string[];
  failedWhen?: string[];
  loop?: unknown;
  loopVar: string;
  /** loop_control.index_var: the variable holding the item's index (from 0). */
  indexVar?: string;
  /** loop_control.label: what the output shows for each item instead of the item (a template). */
  loopLabel?: unknown;
  register?: string;
  notify: string[];
  tags: string[];
  ignoreErrors: boolean;
  /** Per-task check_mode override (true: always check; false: always run for real). */
  checkMode?: boolean;
  /** Where the task starts, and where its module arguments start. */
  pos: SourcePos;
  argsPos: SourcePos;
  /** Handler 'listen' topics (handlers only). */
  listen: string[];
  /** Task-level `vars:` (not yet templated); above play vars, below registered and extra vars. */
  vars?: Vars;
  /** run_once: on the first host of the batch only; its result is registered for every host of it. */
  runOnce?: boolean;
  /** The diff keyword: show (true) or hide (false) this task's diff whatever --diff says. */
  diff?: boolean;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  /** pre_tasks, tasks and post_tasks in that order (what --list-tasks and the run go through). */
  tasks: Task[];
  /** Where each section ends in tasks (exclusive): notified handlers run there, as in Ansible. */
  sectionEnds: number[];
  handlers: Task[];
  tags: string[];
  /** serial: batch sizes (counts or percentages, as written; templates rendered at run time). */
  serial?: (number | string)[];
  /** The connection keyword: the transport when the host's ansible_connection does not say. */
  connection?: string;
  /** The diff keyword for every task of the play (a task's own wins). */
  diff?: boolean;
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

// ---------- results ----------
export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

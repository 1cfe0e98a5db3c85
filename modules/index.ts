/** Every module virtplay ships. The registry reads each one's schema from schemas/modules/. */
import type { ModuleDef } from '../engine/module.js';
import { assert } from './builtin/assert.js';
import { debug } from './builtin/debug.js';
import { fail } from './builtin/fail.js';
import { setFact } from './builtin/set-fact.js';

export const allModules: readonly ModuleDef<never>[] = [debug, setFact, assert, fail];

/** The one ajv instance of the playbook loader: every error, with data and schema (for messages). */
import { Ajv } from 'ajv';

export const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });

/** The one ajv instance of the playbook loader: every error, with data and schema (for messages). */
import { Ajv } from 'ajv';

export const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });

/**
 * For templated arguments at run time: scalars are converted to the type the schema asks for, as
 * Ansible's argument spec does (`-e timeout=120` gives the string "120"; an integer argument gets
 * 120, a boolean "true"/"false" a boolean). The arguments are changed in place.
 */
export const ajvCoerce = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true, coerceTypes: true });

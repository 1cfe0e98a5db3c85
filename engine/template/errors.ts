/** Template failures are input errors (exit code BAD_INPUT) that name the task and position. */
import { InputError } from '../errors.js';
import type { SourcePos } from '../errors.js';

/** Where a template is rendered, for messages. */
export interface RenderWhere {
  task?: string;
  pos?: SourcePos;
}

export class TemplateError extends InputError {
  constructor(message: string, where: RenderWhere = {}) {
    super(where.task !== undefined ? `${message} in task '${where.task}'` : message, where.pos);
  }
}

/** A template used a variable (or attribute) that is not defined. */
export class UndefinedVariableError extends TemplateError {
  constructor(
    readonly variable: string,
    detail: string,
    where: RenderWhere = {},
  ) {
    super(detail, where);
  }
}

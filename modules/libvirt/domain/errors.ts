import { TaskError } from '../../../engine/errors.js';

/**
 * The domain XML cannot be read or the requested edit is impossible on it (malformed XML, a
 * CD-ROM asked onto virtio, no free target name). A task failure, never a stack trace.
 */
export class DomainXmlError extends TaskError {}

/** The workflows a worker hosts. A host worker may re-export these from its own workflows module. */
export { adhesionProcess } from './adhesion-process';
export { campaignDigest } from './campaign-digest';
export { renewArchiveTimestamps } from './letter-renewal';

/**
 * Configuration from the environment (DESIGN §3, docs/configuration.md), one module per component
 * over shared parsers. Invalid configuration stops start-up with one clear message naming the
 * variable.
 */
export * from './parsers';
export * from './temporal';
export * from './store';
export * from './worker';
export * from './portal';
export * from './codec';
export * from './timestamps';

export * from './ids.js';
export * from './limits.js';
export * from './errors.js';
export * from './frames.js';
export * from './codec.js';
export * from './frames-e2ee.js';
export * from './frames-admin.js';
export * from './passwords.js';

export * from './version';
export * from './topics';
export * from './settings';
export * from './hardware';
export * from './messages';
export * from './rest';
export * from './decode';
export * from './datasets';

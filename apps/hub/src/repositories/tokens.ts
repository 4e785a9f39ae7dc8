/** DI tokens for values that are not classes. */
export const DB = Symbol('DB');
export const HUB_CONFIG = Symbol('HUB_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const BROKER_AUTHORITY = Symbol('BROKER_AUTHORITY');

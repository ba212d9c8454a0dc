export * from './customer.state.js';
export * from './customer.commands.js';
export * from './customer.evolve.js';
export * from './customer.decide.js';
export * from './customer.summary.js';
export { requireActive, type CustomerContext } from './decision.js';

import type { Program } from '../program/program.schema.js';
import { evolveCustomer } from './customer.evolve.js';
import { initialCustomerState, type CustomerState, type CustomerStreamEvent } from './customer.state.js';
import { covers, retentionOf } from './retention.js';
import { customerStateBytes } from './state-size.js';

/** How a shell folds a customer stream for decisions under a program, and what the result weighs. */
export interface CustomerFolder {
  initialState(): CustomerState;
  evolve(state: CustomerState, event: CustomerStreamEvent): CustomerState;
  /** Whether a state folded earlier (under another program, say) holds what this program's decisions need. */
  accepts(state: CustomerState): boolean;
  /** An estimate of the state's size in memory, in bytes. */
  sizeOf(state: CustomerState): number;
}

const folders = new WeakMap<Program, CustomerFolder>();

/** Folds keeping only what the program's decisions need: open purchases, spend in the tier window… */
export function customerFolder(program: Program): CustomerFolder {
  let folder = folders.get(program);
  if (!folder) folders.set(program, (folder = folderFor(program)));
  return folder;
}

function folderFor(program: Program): CustomerFolder {
  const retention = retentionOf(program);
  return {
    initialState: () => initialCustomerState(retention),
    evolve: evolveCustomer,
    accepts: (state) => state.status === 'merged' || state.status === 'erased' || covers(state.retention, retention),
    sizeOf: customerStateBytes,
  };
}

/**
 * Folds keeping the whole history (no retention), for the rare decision on a purchase the usual fold
 * has forgotten: a refund dated within its purchase's window but recorded after the stream's clock
 * moved on (a till's history brought in after the customer's tier was reviewed today). Its states
 * are not for keeping: they grow with the history.
 */
export const WHOLE_HISTORY_FOLDER: CustomerFolder = {
  initialState: () => initialCustomerState(null),
  evolve: evolveCustomer,
  accepts: (state) => state.status === 'merged' || state.status === 'erased' || state.retention === null,
  sizeOf: customerStateBytes,
};

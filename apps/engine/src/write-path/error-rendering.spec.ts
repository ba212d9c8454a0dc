import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@relance/domain';
import { WrongExpectedRevisionError } from '@relance/event-store';
import { ApiError, RequestRejected } from './application-errors.js';
import { renderError } from './error-rendering.js';

// `deterministic` decides what a repeated delivery of the same request gets: the stored answer, or a
// new run. Only an answer the same request would get again may be stored.
describe('error rendering', () => {
  it('stores refusals: the same request would be refused the same way', () => {
    expect(renderError(new RequestRejected([{ path: 'lines', message: 'empty' }]))).toMatchObject({ status: 400, deterministic: true });
    expect(renderError(new DomainError('customer-not-found', 'no'))).toMatchObject({ status: 404, deterministic: true });
    expect(renderError(new ApiError(422, 'unsupported-currency', 'USD'))).toMatchObject({ status: 422, deterministic: true });
  });

  it('does not store an answer that asks the caller to retry: the retry must run again', () => {
    const busy = renderError(new ApiError(409, 'purchase-in-progress', 'held', { purchaseId: 'p1' }, { 'retry-after': '1' }));
    expect(busy).toMatchObject({ status: 409, deterministic: false, headers: { 'retry-after': '1' } });
    expect(renderError(new WrongExpectedRevisionError('customer-m.c', 2n, 3n))).toMatchObject({ status: 409, deterministic: false });
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(renderError(outage)).toMatchObject({ status: 503, deterministic: false });
    expect(renderError(new Error('defect'))).toMatchObject({ status: 500, deterministic: false });
  });
});

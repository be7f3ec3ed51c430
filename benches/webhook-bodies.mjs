// The webhooks the handler benchmarks send (handler-run.mjs in one process, webhooks.mjs over
// HTTP): each a new applicant's event, encrypted now under a fresh IV with the vendor's
// node:crypto `encryptData`, stamped with the current time, as Allpass sends them.
import { randomUUID } from 'node:crypto';
import { encryptData } from '../tests/node/reference.mjs';

const APP_KEY = randomUUID();
const STEPS = ['document', 'liveness', 'address', 'questionnaire'];
const EVENTS = ['applicantApproved', 'applicantRejected', 'applicantInReview', 'applicantStepPassed'];

/** The `n`th applicant's event, its JSON `size` bytes (or its bare fields, if more). */
export function applicantEvent(n, size) {
  const payload = {
    id: randomUUID(),
    externalUserId: `user-${n}`,
    appKey: APP_KEY,
    event: EVENTS[n % EVENTS.length],
    stepName: STEPS[n % STEPS.length],
    warnings: n % 5 === 0 ? ['DOCUMENT_EXPIRES_SOON'] : [],
    review: { status: 'completed', answer: n % 7 === 0 ? 'RED' : 'GREEN', reviewedAt: new Date().toISOString() },
    country: 'UKR',
    notes: '',
  };
  payload.notes = 'Document checked; face match 0.98. '.repeat(Math.ceil(size / 35)).slice(0, Math.max(0, size - JSON.stringify(payload).length));
  return payload;
}

/** The body of the `n`th applicant's webhook: its envelope as JSON text. */
export const webhookBody = (key, n, size) => JSON.stringify({ status: true, statusCode: 200, data: encryptData(applicantEvent(n, size), key), time: new Date().toISOString() });

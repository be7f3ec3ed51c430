// The applicant webhook names the vendor documents ("Applicant Webhooks"): the one list. The CLI
// (`send --event`) reads it; tests/node/codes.test.mjs checks the ApplicantEventName type the
// package ships (types.d.cts) against it. The vendor's list is not known to be complete.
export const APPLICANT_EVENTS = Object.freeze([
  'applicantCreated',
  'applicantInProgress',
  'applicantIncomplete',
  'applicantInReview',
  'applicantRejected',
  'applicantApproved',
  'applicantCompleted',
  'applicantOnHold',
  'applicantStepPassed',
]);

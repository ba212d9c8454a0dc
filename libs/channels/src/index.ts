// The interface every provider implements, and what goes through it.
export * from './channel-adapter.js';
export * from './costs.js';
export * from './send-failure.js';
export * from './sms-segments.js';

// Email: SendGrid, opt-out links.
export * from './email/email-address.js';
export * from './email/sendgrid-client.js';
export * from './email/sendgrid-email.adapter.js';
export * from './email/unsubscribe-token.js';

// SMS and RCS: Twilio.
export * from './sms/opt-out-keywords.js';
export * from './sms/phone-number.js';
export * from './sms/twilio-client.js';
export * from './sms/twilio-rcs.adapter.js';
export * from './sms/twilio-send.js';
export * from './sms/twilio-sms.adapter.js';

// Letters: print batches, Merci Facteur.
export * from './postal/letter-pdf.js';
export * from './postal/merci-facteur-api.js';
export * from './postal/merci-facteur-webhook.js';
export * from './postal/merci-facteur.adapter.js';
export * from './postal/postal-address.js';
export * from './postal/print-batch.adapter.js';
export * from './postal/print-batch.js';

// Provider callbacks.
export * from './webhooks/provider-event.js';
export * from './webhooks/sendgrid-event-webhook.js';
export * from './webhooks/twilio-webhooks.js';
export * from './webhooks/webhook-request.js';

// Templates.
export * from './templates/batch-form.js';
export * from './templates/formatting.js';
export * from './templates/partials.js';
export * from './templates/render.js';
export * from './templates/template-catalog.js';
export * from './templates/template-validation.js';

// Capture mode.
export * from './capture/mime-message.js';
export * from './capture/outbox-adapter.js';

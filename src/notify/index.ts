/**
 * @module notify
 * Notifications out: Homeostat's anomalies, predictions and incidents to Alertmanager (API v2),
 * escalations to PagerDuty (Events API v2, incident notes), and any event to webhooks signed per
 * Standard Webhooks — delivered by a {@link Notifier} that never holds up the engine.
 */
export { AlertmanagerClient, type AlertmanagerOptions, type PostableAlert } from './alertmanager-client.js';
export { createNotifier, Notifier, type NotifierDeps, type NotifierOptions } from './notifier.js';
export {
  type AlertmanagerConfig,
  NOTIFY_DEFAULTS,
  type NotifyConfig,
  type PagerDutyConfig,
  parseNotifyConfig,
  type WebhookConfig,
} from './notify-config.js';
export {
  dedupKeyOf,
  PAGERDUTY_API_URL,
  PAGERDUTY_EVENTS_URL,
  PagerDutyClient,
  type PagerDutyEvent,
  type PagerDutyOptions,
  type PagerDutyTrigger,
} from './pagerduty-client.js';
export {
  eventPattern,
  type HeaderSource,
  hmacSha256,
  parseWebhookSecret,
  SignedWebhook,
  type SignedWebhookOptions,
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  type WebhookVerification,
} from './signed-webhook.js';
export type { Delivery, NotifyMessage, NotifySink, SinkStats } from './types.js';

import { Problem } from '../schemas/common';
import { Dossier, DossierEvent, DossierEventBatch, DossierEventBatchResult, DossierHeader, DossierList, DossierResult, DossierResultFromOneStop, DossierSummary } from '../schemas/dossier';
import { CloudEvent, EventFeed } from '../schemas/events';
import { InboxList, NewSubmission, Submission } from '../schemas/inbox';
import { Readiness } from '../schemas/operations';
import { Checkout, NewCheckout, NewPayment, NewRefund, Payment, Reconciliation, Refund } from '../schemas/payments';
import { CreatedSubscription, NewSubscription, Subscription, SubscriptionList, WebhookDelivery, WebhookDeliveryList } from '../schemas/subscriptions';

/** Every shared schema, registered once; routes refer to them as `{ $ref: '<$id>#' }`. */
export const SHARED_SCHEMAS: readonly { $id: string }[] = [
  Problem,
  DossierHeader,
  DossierEvent,
  DossierEventBatch,
  DossierEventBatchResult,
  DossierResult,
  DossierResultFromOneStop,
  Dossier,
  DossierSummary,
  DossierList,
  CloudEvent,
  EventFeed,
  Readiness,
  NewSubscription,
  CreatedSubscription,
  Subscription,
  SubscriptionList,
  WebhookDelivery,
  WebhookDeliveryList,
  NewPayment,
  Payment,
  NewCheckout,
  Checkout,
  NewRefund,
  Refund,
  Reconciliation,
  NewSubmission,
  Submission,
  InboxList,
];

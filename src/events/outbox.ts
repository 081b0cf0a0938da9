import { randomUUID } from 'node:crypto';
import { EVENT_TYPE_NAMES } from '../../schemas/event-types';
import { toVietnamTime } from '../time';

export type EventType = (typeof EVENT_TYPE_NAMES)[number];

export type AggregateType = 'dossier' | 'payment';

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  requestid: string;
  data: Record<string, unknown>;
}

export interface OutboxEvent {
  aggregateType: AggregateType;
  /** Dossier code or payment id: the Kafka key, so one aggregate's events stay in order. */
  aggregateId: string;
  agencyCode: string;
  cloudEvent: CloudEvent;
}

export function newEvent(options: {
  aggregateType: AggregateType;
  aggregateId: string;
  agencyCode: string;
  type: EventType;
  partyCode: string;
  requestId: string;
  time: Date;
  data: Record<string, unknown>;
}): OutboxEvent {
  return {
    aggregateType: options.aggregateType,
    aggregateId: options.aggregateId,
    agencyCode: options.agencyCode,
    cloudEvent: {
      specversion: '1.0',
      id: randomUUID(),
      source: `/parties/${options.partyCode}`,
      type: options.type,
      subject: options.aggregateId,
      time: toVietnamTime(options.time),
      datacontenttype: 'application/json',
      requestid: options.requestId,
      data: options.data,
    },
  };
}

/**
 * RecordBatch v2 ("magic 2", https://kafka.apache.org/documentation/#recordbatch), the only
 * format Produce v3+ accepts.
 */
import zlib from 'node:zlib';
import { crc32c } from './crc32c';
import { ErrorCode, Reader, Writer } from './protocol';

export interface BatchRecord {
  offsetDelta: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

export interface RecordBatch {
  lastOffsetDelta: number;
  /** -1 unless the producer is idempotent. */
  producerId: number;
  baseSequence: number;
  records: BatchRecord[];
}

/** A batch the broker refuses, with the error code it answers. */
export class BatchError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes before the CRC-covered part: baseOffset, batchLength, partitionLeaderEpoch, magic, crc. */
const CRC_START = 8 + 4 + 4 + 1 + 4;
const GZIP = 1;

/** Decodes the record set of one partition of a Produce request. */
export function decodeRecordBatch(recordSet: Buffer): RecordBatch {
  try {
    return decode(recordSet);
  } catch (error) {
    if (error instanceof BatchError) throw error;
    throw new BatchError(ErrorCode.CORRUPT_MESSAGE, `malformed batch: ${(error as Error).message}`);
  }
}

function decode(recordSet: Buffer): RecordBatch {
  const reader = new Reader(recordSet);
  reader.int64(); // baseOffset: the client's is meaningless, the broker assigns offsets
  const batchLength = reader.int32();
  // Like Kafka, from Produce v3 on, exactly one batch per partition.
  if (12 + batchLength !== recordSet.length) throw new BatchError(ErrorCode.INVALID_RECORD, 'not exactly one batch');
  reader.int32(); // partitionLeaderEpoch
  if (reader.int8() !== 2) throw new BatchError(ErrorCode.INVALID_RECORD, 'not a v2 (magic 2) batch');
  if (reader.uint32() !== crc32c(recordSet.subarray(CRC_START))) throw new BatchError(ErrorCode.CORRUPT_MESSAGE, 'CRC-32C mismatch');
  const codec = reader.int16() & 0x07;
  const lastOffsetDelta = reader.int32();
  const baseTimestamp = reader.int64();
  reader.int64(); // maxTimestamp
  const producerId = reader.int64();
  reader.int16(); // producerEpoch: always 0 here, see InitProducerId
  const baseSequence = reader.int32();
  const count = reader.int32();
  // Compression wraps only the records; the header above and the record count stay plain.
  let records: Reader;
  if (codec === 0) records = reader;
  else if (codec === GZIP) records = new Reader(zlib.gunzipSync(reader.raw(reader.remaining)));
  else throw new BatchError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compression codec ${codec}`);
  const batch = { lastOffsetDelta, producerId, baseSequence, records: [] as BatchRecord[] };
  for (let i = 0; i < count; i++) {
    records.varint(); // record length
    records.int8(); // attributes: unused by this format version
    const timestamp = baseTimestamp + records.varint();
    const offsetDelta = records.varint();
    const key = records.varintBytes();
    const value = records.varintBytes();
    const headers: Record<string, Buffer> = {};
    for (let h = records.varint(); h > 0; h--) {
      const name = records.raw(records.varint()).toString('utf8');
      headers[name] = records.varintBytes() ?? Buffer.alloc(0);
    }
    batch.records.push({ offsetDelta, timestamp, key, value, headers });
  }
  if (records.remaining !== 0) throw new BatchError(ErrorCode.CORRUPT_MESSAGE, 'bytes after the last record');
  return batch;
}

export interface RecordToEncode {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer>;
}

/** The client side, for tests that send hand-made batches. */
export function encodeRecordBatch(
  records: readonly RecordToEncode[],
  options: { producerId?: number; baseSequence?: number; gzip?: boolean; timestamp?: number } = {},
): Buffer {
  const { producerId = -1, baseSequence = -1, gzip = false, timestamp = Date.now() } = options;
  const encoded = new Writer();
  records.forEach((record, offsetDelta) => {
    const headers = Object.entries(record.headers ?? {});
    const body = new Writer().int8(0).varint(0).varint(offsetDelta).varintBytes(record.key).varintBytes(record.value).varint(headers.length);
    for (const [name, value] of headers) body.varintBytes(Buffer.from(name, 'utf8')).varintBytes(value);
    const bytes = body.toBuffer();
    encoded.varint(bytes.length).raw(bytes);
  });
  const covered = new Writer()
    .int16(gzip ? GZIP : 0)
    .int32(records.length - 1)
    .int64(timestamp)
    .int64(timestamp)
    .int64(producerId)
    .int16(producerId < 0 ? -1 : 0)
    .int32(baseSequence)
    .int32(records.length)
    .raw(gzip ? zlib.gzipSync(encoded.toBuffer()) : encoded.toBuffer())
    .toBuffer();
  return new Writer()
    .int64(0)
    .int32(covered.length + 4 + 1 + 4)
    .int32(-1)
    .int8(2)
    .uint32(crc32c(covered))
    .raw(covered)
    .toBuffer();
}

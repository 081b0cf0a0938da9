/**
 * Primitive types of the Kafka protocol (https://kafka.apache.org/protocol#protocol_types).
 * "Compact" types belong to flexible versions (KIP-482): their lengths are unsigned varints
 * holding length + 1, so that 0 can mean null.
 */

export const ApiKey = { Produce: 0, Fetch: 1, Metadata: 3, ApiVersions: 18, InitProducerId: 22 } as const;

export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  UNSUPPORTED_VERSION: 35,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  INVALID_RECORD: 87,
} as const;

/** Reads big-endian fields from a buffer; a read past the end throws a RangeError. */
export class Reader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  int8 = (): number => this.buffer.readInt8(this.advance(1));
  int16 = (): number => this.buffer.readInt16BE(this.advance(2));
  int32 = (): number => this.buffer.readInt32BE(this.advance(4));
  uint32 = (): number => this.buffer.readUInt32BE(this.advance(4));
  /** Offsets, timestamps and producer ids stay far below 2^53 here, so a number will do. */
  int64 = (): number => Number(this.buffer.readBigInt64BE(this.advance(8)));
  boolean = (): boolean => this.int8() !== 0;
  uvarint = (): number => Number(this.uvarlong());

  /** Zigzag varint; Kafka's 32-bit varint and 64-bit varlong encode a value identically. */
  varint(): number {
    const zigzag = this.uvarlong();
    return Number((zigzag >> 1n) ^ -(zigzag & 1n));
  }

  raw(length: number): Buffer {
    if (length > this.remaining) throw new RangeError(`${length} bytes wanted, ${this.remaining} left`);
    const start = this.advance(length);
    return this.buffer.subarray(start, start + length);
  }

  nullableString(): string | null {
    const length = this.int16();
    return length < 0 ? null : this.raw(length).toString('utf8');
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new RangeError('null where a string is required');
    return value;
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    return length < 0 ? null : this.raw(length);
  }

  /** Record keys, values and header values: a zigzag varint length, -1 for null. */
  varintBytes(): Buffer | null {
    const length = this.varint();
    return length < 0 ? null : this.raw(length);
  }

  /** An int32 count followed by the items; -1 is a null array (Metadata v1+: "all topics"). */
  nullableArray<T>(item: (reader: Reader) => T): T[] | null {
    const count = this.int32();
    return count < 0 ? null : Array.from({ length: count }, () => item(this));
  }

  array<T>(item: (reader: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  /** Tagged fields (flexible versions): none is used here, but they must be stepped over. */
  skipTaggedFields(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint(); // tag
      this.raw(this.uvarint());
    }
  }

  private uvarlong(): bigint {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = this.buffer.readUInt8(this.advance(1));
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  }

  private advance(length: number): number {
    const start = this.offset;
    this.offset += length;
    return start;
  }
}

/** Collects big-endian fields; `toBuffer()` joins them. */
export class Writer {
  private readonly chunks: Buffer[] = [];

  int8 = (value: number): this => this.fixed(1, (b) => b.writeInt8(value));
  int16 = (value: number): this => this.fixed(2, (b) => b.writeInt16BE(value));
  int32 = (value: number): this => this.fixed(4, (b) => b.writeInt32BE(value));
  uint32 = (value: number): this => this.fixed(4, (b) => b.writeUInt32BE(value));
  int64 = (value: number): this => this.fixed(8, (b) => b.writeBigInt64BE(BigInt(value)));
  boolean = (value: boolean): this => this.int8(value ? 1 : 0);
  emptyTaggedFields = (): this => this.uvarint(0);

  raw(buffer: Buffer): this {
    this.chunks.push(buffer);
    return this;
  }

  uvarint(value: number): this {
    const bytes: number[] = [];
    let rest = BigInt(value);
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      bytes.push(rest > 0n ? low | 0x80 : low);
    } while (rest > 0n);
    return this.raw(Buffer.from(bytes));
  }

  varint(value: number): this {
    const big = BigInt(value);
    return this.uvarint(Number(BigInt.asUintN(64, (big << 1n) ^ (big >> 63n))));
  }

  nullableString(value: string | null): this {
    return value === null ? this.int16(-1) : this.sized(Buffer.from(value, 'utf8'), (n) => this.int16(n));
  }

  nullableBytes(value: Buffer | null): this {
    return value === null ? this.int32(-1) : this.sized(value, (n) => this.int32(n));
  }

  varintBytes(value: Buffer | null): this {
    return value === null ? this.varint(-1) : this.sized(value, (n) => this.varint(n));
  }

  compactString(value: string): this {
    return this.sized(Buffer.from(value, 'utf8'), (n) => this.uvarint(n + 1));
  }

  array<T>(items: readonly T[], item: (writer: this, value: T) => void): this {
    this.int32(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  compactArray<T>(items: readonly T[], item: (writer: this, value: T) => void): this {
    this.uvarint(items.length + 1);
    for (const value of items) item(this, value);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private sized(bytes: Buffer, length: (n: number) => this): this {
    return length(bytes.length).raw(bytes);
  }

  private fixed(length: number, write: (buffer: Buffer) => void): this {
    const buffer = Buffer.alloc(length);
    write(buffer);
    return this.raw(buffer);
  }
}

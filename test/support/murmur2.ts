/**
 * Kafka's default partitioner hash (Java client `Utils.murmur2`), written from
 * its definition so the smoke test can check kafkajs against it rather than
 * against itself.
 */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const r = 24;
  const len = data.length;
  let h = (0x9747b28c ^ len) | 0;
  const len4 = len >> 2;
  for (let i = 0; i < len4; i++) {
    const o = i * 4;
    let k =
      (data[o]! & 0xff) |
      ((data[o + 1]! & 0xff) << 8) |
      ((data[o + 2]! & 0xff) << 16) |
      ((data[o + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = len & 3;
  const tail = len - rest;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionFor(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions;
}

// Deterministic message bodies, so every implementation and every run sees the same bytes.

/** Binary payload: a byte pattern (incompressible enough to not matter; nothing compresses it). */
export function binaryPayload(size) {
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  return payload;
}

/**
 * JSON-like ASCII text of exactly `size` bytes: an array of small records, the shape real
 * WebSocket traffic often has and the case permessage-deflate is meant for.
 */
export function jsonLikePayload(size) {
  const records = [];
  let length = 1;
  for (let id = 0; length < size; id++) {
    const record = JSON.stringify({
      id,
      user: `user-${(id * 7919) % 1000}`,
      active: id % 3 !== 0,
      score: ((id * 2654435761) % 10007) / 100,
      tags: ['alpha', 'beta', 'gamma'].slice(0, (id % 3) + 1),
    });
    records.push(record);
    length += record.length + 1;
  }
  const text = `[${records.join(',')}]`;
  // Trimmed to size; still valid UTF-8 because it is ASCII, which is all the servers check.
  return Buffer.from(text.slice(0, size), 'latin1');
}

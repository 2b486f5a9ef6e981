// Stand-ins for the suite's compression test files (12.x: JSON, a bitmap, German prose, HTML, a
// PDF), generated deterministically with the same sizes and kinds of redundancy, so that no data
// file has to be shipped. Text sets are ASCII, so any slice of them is valid UTF-8.

export interface CompressionData {
  description: string;
  /** Sent as binary messages (the suite sends Faust, the bitmap and the PDF as binary). */
  binary: boolean;
  bytes: Buffer;
}

/** xorshift32: a tiny seeded generator, so every run sends identical bytes. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function fill(length: number, seed: number, piece: (next: () => number) => string | Buffer): Buffer {
  const next = generator(seed);
  const parts: Buffer[] = [];
  let total = 0;
  while (total < length) {
    const part = piece(next);
    const buffer = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    parts.push(buffer);
    total += buffer.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const GERMAN = ['Habe', 'nun', 'ach', 'Philosophie', 'Juristerei', 'und', 'Medizin', 'leider', 'auch', 'Theologie', 'durchaus', 'studiert', 'mit', 'heißem', 'Bemühn', 'Da', 'steh', 'ich', 'armer', 'Tor', 'klug', 'als', 'wie', 'zuvor', 'Schüler', 'Gretchen', 'Mephistopheles', 'Straße', 'Stübchen', 'Kerker'];
const pick = <T>(list: T[], next: () => number): T => list[next() % list.length];

function json(): Buffer {
  let id = 0;
  return fill(194056, 1, (next) => {
    id += 1;
    const tags = [pick(WORDS, next), pick(WORDS, next)].map((tag) => `"${tag}"`).join(',');
    return `{"id":${id},"name":"${pick(WORDS, next)} ${pick(WORDS, next)}","score":${(next() % 10000) / 100},"tags":[${tags}],"active":${next() % 2 === 0}},\n`;
  });
}

function bitmap(): Buffer {
  const header = Buffer.alloc(1078);
  header.write('BM', 0, 'latin1');
  for (let entry = 0; entry < 256; entry++) header.fill(entry, 54 + entry * 4, 57 + entry * 4);
  let pixel = 0;
  const pixels = fill(263222 - header.length, 2, (next) => {
    const row = Buffer.alloc(512);
    for (let x = 0; x < 512; x++) row[x] = ((pixel++ >> 9) + (x >> 1) + (next() & 0x0f)) & 0xff;
    return row;
  });
  return Buffer.concat([header, pixels]);
}

function prose(): Buffer {
  return fill(222218, 3, (next) => {
    const words = Array.from({ length: 4 + (next() % 8) }, () => pick(GERMAN, next));
    return `${words.join(' ')}${next() % 3 === 0 ? '!\n' : ',\n'}`;
  });
}

function html(): Buffer {
  return fill(263527, 4, (next) => {
    const tag = pick(['p', 'div', 'span', 'li', 'td'], next);
    const text = Array.from({ length: 3 + (next() % 6) }, () => pick(WORDS, next)).join(' ');
    return `<${tag} class="${pick(WORDS, next)}" id="n${next() % 100000}">${text}</${tag}>\n`;
  });
}

function pdf(): Buffer {
  return fill(1042328, 5, (next) => {
    if (next() % 3 !== 0) return `${next() % 1000} 0 obj << /Type /${pick(WORDS, next)} /Length ${next() % 5000} >>\nendobj\n`;
    // An already-compressed stream: incompressible bytes.
    const stream = Buffer.alloc(256 + (next() % 1024));
    for (let i = 0; i < stream.length; i++) stream[i] = next() & 0xff;
    return stream;
  });
}

let cached: CompressionData[] | undefined;

/** The data sets of 12.1 to 12.5, in the suite's order; 13.x use the first (JSON). */
export function compressionDataSets(): CompressionData[] {
  cached ??= [
    { description: 'Large JSON data file (utf8, 194056 bytes)', binary: false, bytes: json() },
    { description: 'Lena Picture, Bitmap 512x512 bw (binary, 263222 bytes)', binary: true, bytes: bitmap() },
    { description: "Human readable text, Goethe's Faust I (German) (binary, 222218 bytes)", binary: true, bytes: prose() },
    { description: 'Large HTML file (utf8, 263527 bytes)', binary: false, bytes: html() },
    { description: 'A larger PDF (binary, 1042328 bytes)', binary: true, bytes: pdf() },
  ];
  return cached;
}

/** The next `length` bytes of the data set from `offset`, wrapping around as the suite does. */
export function cyclicSlice(data: Buffer, offset: number, length: number): Buffer {
  const start = offset % data.length;
  if (start + length <= data.length) return data.subarray(start, start + length);
  return Buffer.concat([data.subarray(start), data.subarray(0, length - (data.length - start))]);
}

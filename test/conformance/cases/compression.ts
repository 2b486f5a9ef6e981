// Autobahn 12.x and 13.x: permessage-deflate (RFC 7692). 12.x sends slices of five kinds of data
// with the default offer; 13.x sends JSON with offers combining no_context_takeover and
// max_window_bits. Each case sends messages one at a time, compressed and optionally fragmented,
// and checks every echo byte for byte. CI sends a few messages per case; AUTOBAHN_FULL=1 the
// suite's 1000.
import { FULL, cleanNormalClose, type CompressionSetup, type ConformanceCase } from './case.js';
import { compressionDataSets, cyclicSlice, type CompressionData } from './compression-data.js';
import type { DeflateAccept } from '../peer/connect.js';
import type { ExtensionOffer } from '../peer/handshake.js';
import type { RawPeer } from '../peer/peer.js';

/** (payload length, auto-fragment size) of the 18 subcases, as in the suite's MSG_SIZES. */
const MESSAGE_SIZES: [number, number][] = [
  [16, 0], [64, 0], [256, 0], [1024, 0], [4096, 0], [8192, 0], [16384, 0], [32768, 0], [65536, 0], [131072, 0],
  [8192, 256], [16384, 256], [32768, 256], [65536, 256], [131072, 256], [131072, 1024], [131072, 4096], [131072, 32768],
];
/** Enough messages to carry compression context from one message into the next. */
const CI_MESSAGES = 4;

interface OfferParams {
  requestNoContextTakeover: boolean;
  /** 0 = not requested. */
  requestMaxWindowBits: number;
}

/** The client offer Autobahn builds: it accepts both client parameters and may request server ones. */
function offerString(params: OfferParams): string {
  const parts = ['permessage-deflate', 'client_no_context_takeover', 'client_max_window_bits'];
  if (params.requestNoContextTakeover) parts.push('server_no_context_takeover');
  if (params.requestMaxWindowBits > 0) parts.push(`server_max_window_bits=${params.requestMaxWindowBits}`);
  return parts.join('; ');
}

/**
 * The server's answer: it honours what the client asked of the server (RFC 7692 §7.1.1.1,
 * §7.1.2.1) and asks the client for the given parameters; client_max_window_bits may only be sent
 * when offered (§7.1.2.2), so an offer without it is passed over.
 */
function acceptWith(params: OfferParams): (offers: ExtensionOffer[]) => ExtensionOffer | undefined {
  return (offers) => {
    const offer = offers.find((candidate) => params.requestMaxWindowBits === 0 || candidate.params.has('client_max_window_bits'));
    if (offer === undefined) return undefined;
    const response = new Map<string, string | true>();
    if (offer.params.has('server_no_context_takeover')) response.set('server_no_context_takeover', true);
    const serverBits = offer.params.get('server_max_window_bits');
    if (serverBits !== undefined) response.set('server_max_window_bits', serverBits === true ? '15' : serverBits);
    if (params.requestNoContextTakeover) response.set('client_no_context_takeover', true);
    if (params.requestMaxWindowBits > 0) response.set('client_max_window_bits', String(params.requestMaxWindowBits));
    return { name: 'permessage-deflate', params: response };
  };
}

function firstAccepting(...accepts: DeflateAccept[]): DeflateAccept {
  return (offers) => accepts.map((accept) => accept(offers)).find((response) => response !== undefined);
}

async function echoRoundTrips(peer: RawPeer, data: CompressionData, length: number, fragmentSize: number): Promise<void> {
  if (peer.deflate === undefined) {
    peer.caseFailure = 'UNIMPLEMENTED: permessage-deflate was not negotiated';
    await peer.sendClose(1000);
    return;
  }
  const count = FULL ? 1000 : CI_MESSAGES;
  let offset = 0;
  for (let sent = 0; sent < count && peer.caseFailure === undefined; sent++) {
    const payload = cyclicSlice(data.bytes, offset, length);
    offset += length;
    const echo = new Promise<{ data: Buffer; binary: boolean } | undefined>((resolve) => {
      peer.onMessage = (received, binary) => resolve({ data: received, binary });
      void peer.closed.then(() => resolve(undefined));
    });
    await peer.sendMessage(payload, data.binary, { compress: true, fragmentSize });
    const got = await echo;
    if (got === undefined) peer.caseFailure = `the connection closed while waiting for echo ${sent + 1}`;
    else if (got.binary !== data.binary) peer.caseFailure = `echo ${sent + 1} came back as ${got.binary ? 'binary' : 'text'}`;
    else if (!got.data.equals(payload)) peer.caseFailure = `echo ${sent + 1} differs (${got.data.length} bytes, sent ${length})`;
  }
  await peer.sendClose(1000);
}

function compressionCases(group: string, data: CompressionData, setup: CompressionSetup, setupLabel: string): ConformanceCase[] {
  return MESSAGE_SIZES.map(([length, fragmentSize], index) => ({
    id: `${group}.${index + 1}`,
    description: `Send ${FULL ? 1000 : CI_MESSAGES} compressed messages of ${length} bytes of ${data.description}, auto-fragmented to ${fragmentSize} octets; ${setupLabel}.`,
    ok: [],
    close: cleanNormalClose,
    compression: setup,
    timeoutMs: FULL ? 480_000 : 20_000,
    play: (peer) => echoRoundTrips(peer, data, length, fragmentSize),
  }));
}

const NO_REQUEST: OfferParams = { requestNoContextTakeover: false, requestMaxWindowBits: 0 };
const DEFAULT_SETUP: CompressionSetup = { offer: offerString(NO_REQUEST), accept: acceptWith(NO_REQUEST) };

/** 13.1-13.7: (no_context_takeover, max_window_bits) asked of the other side, as the suite pairs them. */
const PARAMETER_SETS: { offers: OfferParams[]; accept: DeflateAccept }[] = [
  [[false, 0]],
  [[true, 0]],
  [[false, 8]],
  [[false, 15]],
  [[true, 8]],
  [[true, 15]],
  [[true, 8], [true, 0], [false, 0]],
].map((pairs) => {
  const offers = pairs.map(([requestNoContextTakeover, requestMaxWindowBits]) => ({
    requestNoContextTakeover: requestNoContextTakeover as boolean,
    requestMaxWindowBits: requestMaxWindowBits as number,
  }));
  return { offers, accept: firstAccepting(...offers.map(acceptWith)) };
});

export function compressionGroup12(): ConformanceCase[] {
  return compressionDataSets().flatMap((data, index) =>
    compressionCases(`12.${index + 1}`, data, DEFAULT_SETUP, 'default permessage-deflate offer'),
  );
}

export function compressionGroup13(): ConformanceCase[] {
  const json = compressionDataSets()[0];
  return PARAMETER_SETS.flatMap(({ offers, accept }, index) => {
    const label = `offers (no_context_takeover, max_window_bits): ${offers
      .map((offer) => `(${offer.requestNoContextTakeover}, ${offer.requestMaxWindowBits})`)
      .join(', ')}`;
    return compressionCases(`13.${index + 1}`, json, { offer: offers.map(offerString).join(', '), accept }, label);
  });
}

/**
 * RFC 7692 §7.1.1.1 and §7.1.2.1: a server that accepts an offer must honour what the client asked
 * of the server. Returns what the response got wrong, if anything.
 */
export function checkServerResponse(offer: string, response: ExtensionOffer | undefined): string | undefined {
  // With several offers the server may accept any one of them; only a single offer is unambiguous.
  if (response === undefined || offer.includes(',')) return undefined;
  const requested = offer;
  if (requested.includes('server_no_context_takeover') && !response.params.has('server_no_context_takeover')) {
    return 'the server accepted server_no_context_takeover without confirming it';
  }
  const bits = /server_max_window_bits=(\d+)/.exec(requested)?.[1];
  const answered = response.params.get('server_max_window_bits');
  if (bits !== undefined && (typeof answered !== 'string' || Number(answered) > Number(bits))) {
    return `the server ignored server_max_window_bits=${bits} (answered ${String(answered ?? 'nothing')})`;
  }
  return undefined;
}

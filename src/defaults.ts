// Defaults shared by the server and the client, defined once (README, "Limits and defaults").

/** Largest message accepted, in bytes (ws's default). */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/** How long to wait for the peer's part of the closing handshake, in ms. */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;

/**
 * The slow-consumer limit of bufferedAmount, in bytes. Generous enough that no normal application
 * meets it (16,000 queued 1 KiB messages for one client, e.g. a long history sent on join), and a
 * bound on what a peer that stops reading can make the process hold. 0 turns it off (ws's behaviour).
 */
export const DEFAULT_MAX_BUFFERED_AMOUNT = 16 * 1024 * 1024;

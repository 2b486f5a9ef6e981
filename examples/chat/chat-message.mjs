// What the chat server broadcasts for a message a client sent. Kept apart from the server so
// the rule can be read (and tested) on its own.
//
// - Text that is a JSON object with a string `type` and a string `content` is chat in
//   structured form: the broadcast is the same JSON with the content prefixed, plus the time it
//   was sent and, for a member (a page that joined with a name), its name:
//   {"type":"chat","content":"你好"} -> {"type":"chat","content":"客户端说: 你好","time":"2026-…Z"}.
// - Any other text is broadcast as plain text: "hello" -> "客户端说: hello".

export const GREETING = '欢迎连接到 WebSocket 服务器!';
export const BROADCAST_PREFIX = '客户端说: ';

/** @returns {string} the text frame to broadcast for the text `message` a client sent */
export function broadcastFor(message, name, now = new Date()) {
  const structured = parseStructured(message);
  if (structured === null) return BROADCAST_PREFIX + message;
  const line = { type: structured.type, content: BROADCAST_PREFIX + structured.content, time: now.toISOString() };
  if (name !== undefined) line.name = name;
  return JSON.stringify(line);
}

/** @returns {{ type: string, content: string } | null} */
function parseStructured(message) {
  if (!message.startsWith('{')) return null;
  let value;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  const isChat = typeof value?.type === 'string' && typeof value?.content === 'string';
  return isChat ? { type: value.type, content: value.content } : null;
}

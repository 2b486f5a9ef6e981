// The implementation under test, in one place. The peer was first checked against the `ws`
// package (swap the import below to `from 'ws'` to compare); the suite targets ws6455.
export { WebSocket, WebSocketServer } from '../../src/index.js';

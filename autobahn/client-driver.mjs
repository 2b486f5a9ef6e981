// The client under test for Autobahn's fuzzingserver: asks how many cases there are, runs each one
// echoing every message, then asks the suite to write its reports.
import { WebSocket } from '../dist/esm/index.js';

const base = process.env.AUTOBAHN_URL ?? 'ws://127.0.0.1:9001';
const agent = process.env.AUTOBAHN_AGENT ?? 'ws6455';

/** Opens one connection and resolves when it closes; `onMessage` gets every message. */
function session(path, onMessage) {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base}${path}`, { perMessageDeflate: true });
    socket.on('message', (data, isBinary) => onMessage(socket, data, isBinary));
    socket.on('error', () => {
      // The fuzzing server provokes errors on purpose; its report judges them.
    });
    socket.on('close', () => resolve());
  });
}

let caseCount = 0;
await session('/getCaseCount', (_socket, data) => {
  caseCount = Number(data.toString());
});
console.log(`running ${caseCount} cases as agent ${agent}`);

for (let index = 1; index <= caseCount; index++) {
  await session(`/runCase?case=${index}&agent=${encodeURIComponent(agent)}`, (socket, data, isBinary) =>
    socket.send(data, { binary: isBinary }),
  );
  if (index % 50 === 0 || index === caseCount) console.log(`  ${index}/${caseCount}`);
}

await session(`/updateReports?agent=${encodeURIComponent(agent)}`, () => {});
console.log('reports updated');

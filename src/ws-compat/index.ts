// ws's CommonJS statics (require('ws').Sender etc.), for code written against ws's internals.
import * as extension from './extension.js';
import * as subprotocol from './subprotocol.js';

export { Sender } from './sender.js';
export { Receiver } from './receiver.js';
export { PerMessageDeflate } from './permessage-deflate.js';
export { extension, subprotocol };

// Event handler IDL attributes (onopen, onmessage, ...) as HTML defines them: the first non-null
// value adds one listener, in the listener order of that moment; later values replace the
// callback in place; null removes it. The type is [LegacyTreatNonCallableAsNull] EventHandler,
// so anything that is not callable, including an object with handleEvent, is stored as null.

type Handler = (this: EventTarget, event: Event) => unknown;

interface HandlerSlot {
  value: Handler;
  listener: (event: Event) => void;
}

export type HandlerMap = Map<string, HandlerSlot>;

export function getEventHandler(handlers: HandlerMap, type: string): Handler | null {
  return handlers.get(type)?.value ?? null;
}

export function setEventHandler(target: EventTarget, handlers: HandlerMap, type: string, value: unknown): void {
  const slot = handlers.get(type);
  if (typeof value !== 'function') {
    if (slot !== undefined) {
      target.removeEventListener(type, slot.listener);
      handlers.delete(type);
    }
    return;
  }
  if (slot !== undefined) {
    slot.value = value as Handler;
    return;
  }
  const created: HandlerSlot = {
    value: value as Handler,
    listener(event: Event): void {
      // HTML's event handler processing: the callback's `this` is the target, and a return value
      // of false cancels the event.
      if (created.value.call(target, event) === false) event.preventDefault();
    },
  };
  handlers.set(type, created);
  target.addEventListener(type, created.listener);
}

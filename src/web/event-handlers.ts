// Event handler IDL attributes (onopen, onmessage, ...) as HTML defines them: the first non-null
// value adds one listener, in the listener order of that moment; later values replace the
// callback in place; null removes it. The type is [LegacyTreatNonCallableAsNull] EventHandler:
// a value that is not an object reads back as null, while an object that is not callable (one with
// handleEvent, say) is kept and read back as set, but never called (WebIDL "invoke a callback
// function" returns undefined for it). Chromium behaves the same.

type Handler = ((this: EventTarget, event: Event) => unknown) | object;

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
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') {
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
      const callback = created.value;
      if (typeof callback === 'function' && (callback as (event: Event) => unknown).call(target, event) === false) event.preventDefault();
    },
  };
  handlers.set(type, created);
  target.addEventListener(type, created.listener);
}

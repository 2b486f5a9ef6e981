// WebIDL puts an interface's attributes and operations on the prototype as enumerable properties
// (a class makes them non-enumerable), its constants on both the interface object and the
// prototype as read-only, non-configurable values, and names the prototype with @@toStringTag.

type Constructor = abstract new (...args: never[]) => unknown;

export function defineInterfaceMembers(target: Constructor, name: string, members: readonly string[]): void {
  const prototype = target.prototype as object;
  for (const member of members) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, member);
    if (descriptor === undefined) throw new Error(`${name}.prototype.${member} is not defined`);
    Object.defineProperty(prototype, member, { ...descriptor, enumerable: true });
  }
  Object.defineProperty(prototype, Symbol.toStringTag, { value: name, writable: false, enumerable: false, configurable: true });
}

export function defineConstants(target: Constructor, constants: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(constants)) {
    const descriptor = { value, writable: false, enumerable: true, configurable: false };
    Object.defineProperty(target, name, descriptor);
    Object.defineProperty(target.prototype, name, descriptor);
  }
}

/**
 * The `integrations` object of a Segment message: which destinations get it. By default all do;
 * `"All": false` turns every destination off unless it is named with a truthy value, and a
 * destination named with `false` is off. Names are case-sensitive, as Segment documents
 * ("Selecting Destinations" in its HTTP Tracking API reference).
 */

/**
 * The names this destination answers to: its own, the spelling Segment's catalog uses for it
 * ("Fullstory Cloud Mode (Actions)") and its slug.
 */
export function destinationNames(definition: { name: string; slug?: string }): string[] {
  const names = [definition.name, definition.name.replace('FullStory', 'Fullstory'), definition.slug]
  return [...new Set(names.filter((name): name is string => Boolean(name)))]
}

/** True when a message with this `integrations` object goes to the destination called `names`. */
export function sendsTo(integrations: unknown, names: readonly string[]): boolean {
  if (typeof integrations !== 'object' || integrations === null) return true
  const flags = integrations as Record<string, unknown>
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(flags, name)) return flags[name] !== false
  }
  return flags.All !== false
}

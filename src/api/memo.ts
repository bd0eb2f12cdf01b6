/**
 * `compute` with its answers remembered: at most `size` of them (all forgotten at once when full), for
 * keys of at most `maxKeyLength` characters. Events repeat their few keys, names and places.
 */
export function memo<T>(maxKeyLength: number, compute: (key: string) => T, size = 2000): (key: string) => T {
  const known = new Map<string, T>()
  return (key) => {
    if (key.length > maxKeyLength) return compute(key)
    let value = known.get(key)
    if (value === undefined) {
      value = compute(key)
      if (known.size >= size) known.clear()
      known.set(key, value)
    }
    return value
  }
}

// The part of chance's API that test/test-data.ts uses (chance ships no types, and this package
// has no @types/chance).
declare module 'chance' {
  export class Chance {
    constructor(seed?: string | number)
    bool(options?: { likelihood?: number }): boolean
    integer(options?: { min?: number; max?: number }): number
    floating(options?: { min?: number; max?: number; fixed?: number }): number
    string(options?: { length?: number; pool?: string }): string
    sentence(options?: { words?: number }): string
    email(options?: { domain?: string }): string
    url(options?: { domain?: string }): string
    guid(options?: { version?: number }): string
    ip(): string
    ipv6(): string
    domain(): string
    timestamp(): number
    phone(options?: { country?: string; formatted?: boolean }): string
    currency(): { code: string; name: string }
    pickone<T>(items: readonly T[]): T
  }
}

/**
 * `WWW-Authenticate` parsing (RFC 9110 11.6.1 / 11.3):
 *
 *     challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *     auth-param = token BWS "=" BWS ( token / quoted-string )
 *
 * Several challenges may share one header, separated by commas, and several headers may each
 * carry some (REGISTRIES.md, generic protocol). Quoted values may hold commas and `\"` escapes.
 * The parser is lenient and never throws: registries are the input, and garbage is skipped.
 */

/** One challenge: `Bearer realm="...",service="..."`. */
export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameters with lower-case names; the first occurrence of a name wins. */
  params: Record<string, string>;
  /** A bare token68 value (`Negotiate abc==`), when the challenge carries one instead of params. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_RUN = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses every challenge in every given header value. */
export function parseChallenges(headerValues: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of headerValues) {
    if (typeof value === 'string') new Parser(value, out).run();
  }
  return out;
}

/** Picks the challenge of a scheme, preferring the first one (lower-case scheme). */
export function findChallenge(challenges: Challenge[], scheme: string): Challenge | undefined {
  return challenges.find((c) => c.scheme === scheme);
}

class Parser {
  private pos = 0;

  constructor(
    private readonly s: string,
    private readonly out: Challenge[],
  ) {}

  run(): void {
    while (this.pos < this.s.length) {
      this.skipChars(/[\s,]/);
      const scheme = this.token();
      if (!scheme) {
        // Not a scheme: skip this character and try again further on.
        this.pos++;
        continue;
      }
      // No prototype: a parameter named `__proto__` or `constructor` is data like any other
      // (found by the property tests, docs/reliability.md).
      const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> };
      this.out.push(challenge);
      this.parseBody(challenge);
    }
  }

  /** Reads what follows a scheme, up to the start of the next challenge or the end. */
  private parseBody(ch: Challenge): void {
    if (!this.atSpace()) return; // "Basic, Bearer ..." or end: a bare scheme
    this.skipChars(/[ \t]/);
    if (this.tryToken68(ch)) return;
    for (;;) {
      this.skipChars(/[\s,]/);
      const start = this.pos;
      const name = this.token();
      if (!name) {
        if (this.pos >= this.s.length) return;
        // Garbage inside the parameter list: skip to the next comma.
        this.skipUntil(',');
        continue;
      }
      this.skipChars(/[ \t]/);
      if (this.s[this.pos] !== '=') {
        // A token not followed by '=' starts the next challenge.
        this.pos = start;
        return;
      }
      this.pos++;
      this.skipChars(/[ \t]/);
      const value = this.s[this.pos] === '"' ? this.quoted() : this.bareValue();
      const key = name.toLowerCase();
      if (!Object.hasOwn(ch.params, key)) ch.params[key] = value;
    }
  }

  /**
   * A token68 is the whole body: `abc123==` followed by end or a comma. Anything looking like
   * `name=value` is a parameter instead.
   */
  private tryToken68(ch: Challenge): boolean {
    const m = TOKEN68_RUN.exec(this.s.slice(this.pos));
    if (!m) return false;
    const rest = this.s.slice(this.pos + m[0].length);
    // `name=value` continues after the '=', a token68 stops at a comma or the end.
    if (!/^[ \t]*(,|$)/.test(rest)) return false;
    ch.token68 = m[0];
    this.pos += m[0].length;
    return true;
  }

  private token(): string {
    const start = this.pos;
    while (this.pos < this.s.length && TCHAR.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private quoted(): string {
    this.pos++; // opening quote
    let v = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++]!;
      if (c === '\\' && this.pos < this.s.length) v += this.s[this.pos++];
      else if (c === '"') return v;
      else v += c;
    }
    return v; // unterminated: keep what there is
  }

  /** Unquoted values: up to a comma or whitespace (lenient: '=' and '/' are allowed inside). */
  private bareValue(): string {
    const start = this.pos;
    while (this.pos < this.s.length && !/[\s,]/.test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private atSpace(): boolean {
    return this.s[this.pos] === ' ' || this.s[this.pos] === '\t';
  }

  private skipChars(re: RegExp): void {
    while (this.pos < this.s.length && re.test(this.s[this.pos]!)) this.pos++;
  }

  private skipUntil(c: string): void {
    while (this.pos < this.s.length && this.s[this.pos] !== c) this.pos++;
  }
}

/** The token payload the token benchmarks share: a typical session, about 200 bytes of JSON. */
export function sessionClaims(iat = Math.floor(Date.now() / 1000)) {
  return {
    sub: 'user_01HZX3K9Q4T7V2N8M5B6C1D0EF',
    sid: 'Q2hhbmdlZC1zZXNzaW9uLWlkLWJ5dGVzLTMyLWxvbmc',
    iat,
    exp: iat + 3600,
    data: { role: 'member', org: 'org_7c41', theme: 'dark', locale: 'en-GB' },
  };
}

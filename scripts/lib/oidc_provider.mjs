// Runs a real OpenID provider (the oidc-provider package) on loopback for Codermon's login tests.
// Usage: OIDC_PROVIDER_DIR=<dir from scripts/install-oidc-provider> node oidc_provider.mjs <config.json>
// config: {"port": 0, "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//          "users": {"<login>": {"email", "email_verified", "preferred_username", "name", "groups": [...]}}}
// Prints "READY <issuer>" once it listens. Its built-in login form accepts any password for a known login.
// POST /__test/mode {"mode": ...} makes the token endpoint misbehave, so that tests can check that the
// relying party refuses what a broken or hostile provider sends: normal, wrong-aud, wrong-iss, expired,
// wrong-key, slow. POST /__test/user {"login", ...claims} adds or changes a user; {"login", "remove": true}
// removes one. POST /__test/disable {"login", "disabled": true|false} disables an account (or enables it
// again) as an administrator would at a real provider: it can no longer sign in, and its refresh tokens are
// refused with invalid_grant. A client whose grant_types include refresh_token gets a refresh token when it
// asks for offline_access (with prompt=consent, as OpenID Connect Core asks). Only 127.0.0.1 is ever listened on.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import http from 'node:http';

const dir = process.env.OIDC_PROVIDER_DIR;
if (!dir) {
  console.error('set OIDC_PROVIDER_DIR to the directory scripts/install-oidc-provider printed');
  process.exit(2);
}
const modules = `${dir}/node_modules`;
const { default: Provider } = await import(pathToFileURL(`${modules}/oidc-provider/lib/index.js`).href);
const jose = await import(pathToFileURL(`${modules}/jose/dist/webapi/index.js`).href);

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = new Map(Object.entries(config.users || {}));
const disabled = new Set();
let mode = 'normal';

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'codermon-test-key', alg: 'RS256', use: 'sig' };
const { privateKey: strangerKey } = await jose.generateKeyPair('RS256', { extractable: true });

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [signingJwk] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['codermon-test-cookie-key'] },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  async findAccount(ctx, id) {
    const user = users.get(id);
    if (!user || disabled.has(id)) {
      return undefined;
    }
    return { accountId: id, async claims() { return { sub: id, ...users.get(id) }; } };
  },
  // Consent is not what these tests are about: every client gets the scopes and claims it asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) {
        return found;
      }
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile groups offline_access');
    grant.addOIDCClaims(['email', 'email_verified', 'preferred_username', 'name', 'groups']);
    await grant.save();
    return grant;
  },
});

async function resign(idToken) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong-aud') claims.aud = 'someone-else';
  if (mode === 'wrong-iss') claims.iss = 'http://127.0.0.1:1/not-the-issuer';
  if (mode === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  const key = mode === 'wrong-key' ? strangerKey : privateKey;
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' }).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/token' && mode === 'slow') {
    await new Promise((resolve) => setTimeout(resolve, 15000));
  }
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token && mode !== 'normal' && mode !== 'slow') {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token) };
  }
});

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/__test/')) {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const input = JSON.parse(body || '{}');
      if (req.url === '/__test/mode') {
        mode = input.mode;
      } else if (req.url === '/__test/user') {
        const { login, remove, ...claims } = input;
        if (remove) users.delete(login); else users.set(login, claims);
      } else if (req.url === '/__test/disable') {
        if (input.disabled === false) disabled.delete(input.login); else disabled.add(input.login);
      }
      res.writeHead(204).end();
    });
    return;
  }
  callback(req, res);
});
console.log(`READY ${issuer}`);

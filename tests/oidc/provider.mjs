// A real OpenID provider (panva's oidc-provider) for the sign-in tests, on a loopback port.
//
// Usage: node tests/oidc/provider.mjs PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI
// Prints "ready <issuer>" once it listens. Its login page takes an account's name: the accounts
// below stand for agents of a Département and people it never invited.
import http from 'node:http';
import { URLSearchParams } from 'node:url';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutRedirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_ID = 'portal';
const CLIENT_SECRET = 'portal-test-secret-that-is-long-enough-for-hs256';

// The account's name is its `sub`; acr is how strongly the identity provider checked the person this time.
const ACCOUNTS = {
  alice: { email: 'Alice.Martin@loire.example', given_name: 'Alice', usual_name: 'Martin', idp_id: 'idp-departement', acr: 'eidas1-mfa' },
  bruno: { email: 'bruno.petit@loire.example', given_name: 'Bruno', usual_name: 'Petit', idp_id: 'idp-departement', acr: 'eidas1-mfa' },
  stranger: { email: 'someone@elsewhere.example', given_name: 'Eve', usual_name: 'Stranger', idp_id: 'idp-other', acr: 'eidas1-mfa' },
  weak: { email: 'weak.assurance@loire.example', given_name: 'Wanda', usual_name: 'Weak', idp_id: 'idp-departement', acr: 'eidas1' },
  // Her ID token is signed by this provider but addressed to another service (see below).
  elsewhere: { email: 'elsewhere@loire.example', given_name: 'Elsa', usual_name: 'Where', idp_id: 'idp-departement', acr: 'eidas1-mfa' },
};
const ELSEWHERE_AUDIENCE = 'another-service';

const signingKey = await jose.generateKeyPair('RS256', { extractable: true });
const privateJwk = { ...(await jose.exportJWK(signingKey.privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutRedirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [privateJwk] },
  cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'usual_name'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    idp_id: ['idp_id'],
  },
  scopes: ['openid', 'email', 'profile', 'given_name', 'usual_name', 'idp_id'],
  acrValues: ['eidas1', 'eidas1-mfa'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><head><title>Sign out</title></head><body>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      claims: async () => {
        const { acr, ...claims } = account;
        return { sub: id, ...claims, email_verified: true };
      },
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>Error</title></head><body><p>${out.error}</p></body></html>`;
  },
});

async function grantEverything(details) {
  const { accountId } = details.session;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  return grant.save();
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    const grantId = await grantEverything(details);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html');
    res.end(`<!DOCTYPE html><html><head><title>Identity provider</title></head><body>
<form method="post" action="/interaction/${details.uid}"><label>Account <input name="login"></label>
<button type="submit">Sign in</button></form></body></html>`);
    return undefined;
  }
  const form = await readForm(req);
  const accountId = form.get('login');
  const account = ACCOUNTS[accountId];
  if (!account) {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown account' });
  }
  return provider.interactionFinished(req, res, {
    login: { accountId, acr: account.acr, amr: ['pwd', 'otp'] },
  }, { mergeWithLastSubmission: false });
}

// An ID token for another audience, signed with this provider's own key: what a token meant
// for another service of the same provider looks like when someone hands it to the portal.
async function readdress(body) {
  const tokens = JSON.parse(body);
  const claims = tokens.id_token ? jose.decodeJwt(tokens.id_token) : {};
  if (claims.sub !== 'elsewhere') return body;
  tokens.id_token = await new jose.SignJWT({ ...claims, aud: ELSEWHERE_AUDIENCE })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
    .sign(signingKey.privateKey);
  return JSON.stringify(tokens);
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body) {
    const text = typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body);
    ctx.body = await readdress(text);
    ctx.type = 'application/json';
  }
});

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 400;
      res.end(String(error));
    });
    return;
  }
  handle(req, res);
});
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

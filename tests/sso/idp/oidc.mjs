// A real OpenID Connect provider (node-oidc-provider) on a free loopback port, for the single sign-on tests.
// Usage: node oidc.mjs '<json>' with {"client_id", "client_secret", "redirect_uris": [...], "accounts": {id: claims}}.
// Its development sign-in pages take an account id (the tests use the e-mail address) and any password. The
// first line it prints is {"issuer": "http://127.0.0.1:PORT"}; it stops when its standard input closes.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'active', 'groups'],
    },
    cookies: { keys: ['stackable-sso-test-only'] },
    async findAccount(ctx, id) {
      const claims = config.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

// A real SAML 2.0 identity provider (samlify signs its assertions) on a free loopback port, for the SSO tests.
// Usage: node saml.mjs '<json>' with {"key": PEM path, "cert": PEM path, "users": {email: {attribute: [values]}}}.
// GET /sso takes the service provider's AuthnRequest (HTTP-Redirect binding) and shows a sign-in form (an e-mail
// address among `users`; anyone else is refused); the POST answers a signed Response to the request's
// AssertionConsumerServiceURL (HTTP-POST binding, a form with a Continue button: no script needed). The first
// line printed is {"url", "entity_id", "sso_url"}; it stops when its standard input closes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import samlify from 'samlify';

const config = JSON.parse(process.argv[2]);
const key = fs.readFileSync(config.key, 'utf8');
const cert = fs.readFileSync(config.cert, 'utf8');
const pending = new Map();

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const attribute = (xml, name) => (xml.match(new RegExp(`${name}="([^"]*)"`)) || [])[1];
const page = (res, status, body) => {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!DOCTYPE html><html lang="en"><head><title>Test IdP</title></head><body><main>${body}</main></body></html>`);
};
const readBody = (req) => new Promise((resolve) => {
  let data = '';
  req.on('data', (chunk) => { data += chunk; });
  req.on('end', () => resolve(new URLSearchParams(data)));
});

function attributeStatement(attributes) {
  const items = Object.entries(attributes).map(([name, values]) => {
    const list = (Array.isArray(values) ? values : [values]).map(
      (value) => `<saml:AttributeValue xsi:type="xs:string">${escape(value)}</saml:AttributeValue>`,
    ).join('');
    return `<saml:Attribute Name="${escape(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${list}</saml:Attribute>`;
  });
  return `<saml:AttributeStatement>${items.join('')}</saml:AttributeStatement>`;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  const entityId = `${url}/metadata`;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: key,
    signingCert: cert,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${url}/sso` }],
    singleLogoutService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${url}/slo` }],
  });

  server.on('request', (req, res) => answer(req, res).catch((error) => page(res, 500, `<pre>${escape(error.stack)}</pre>`)));

  async function answer(req, res) {
    const address = new URL(req.url, url);
    if (req.method === 'GET' && address.pathname === '/metadata') {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(idp.getMetadata());
    } else if (req.method === 'GET' && address.pathname === '/sso') {
      const request = zlib.inflateRawSync(Buffer.from(address.searchParams.get('SAMLRequest') || '', 'base64')).toString();
      const issuer = (request.match(/<saml:Issuer[^>]*>([^<]+)<\/saml:Issuer>/) || [])[1];
      const id = crypto.randomUUID();
      pending.set(id, {
        requestId: attribute(request, 'ID'),
        acs: attribute(request, 'AssertionConsumerServiceURL'),
        issuer,
        relayState: address.searchParams.get('RelayState') || '',
      });
      page(res, 200, `<h1>Test identity provider</h1><form method="post" action="/sso">
        <input type="hidden" name="pending" value="${id}">
        <label for="email">E-mail</label> <input id="email" name="email" type="email" required>
        <button type="submit">Sign in</button></form>`);
    } else if (req.method === 'POST' && address.pathname === '/sso') {
      const form = await readBody(req);
      const request = pending.get(form.get('pending'));
      const email = form.get('email') || '';
      const attributes = config.users[email];
      if (!request || !attributes) {
        page(res, 403, '<h1>Unknown user</h1>');
        return;
      }
      pending.delete(form.get('pending'));
      const sp = samlify.ServiceProvider({
        entityID: request.issuer,
        wantAssertionsSigned: true,
        assertionConsumerService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: request.acs }],
      });
      const now = new Date();
      const later = new Date(now.getTime() + 5 * 60 * 1000).toISOString();
      const values = {
        ID: `_${crypto.randomUUID()}`,
        AssertionID: `_${crypto.randomUUID()}`,
        Destination: request.acs,
        Audience: request.issuer,
        SubjectRecipient: request.acs,
        Issuer: entityId,
        IssueInstant: now.toISOString(),
        StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
        ConditionsNotBefore: now.toISOString(),
        ConditionsNotOnOrAfter: later,
        SubjectConfirmationDataNotOnOrAfter: later,
        NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        NameID: email,
        InResponseTo: request.requestId,
        AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="_${crypto.randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        AttributeStatement: attributeStatement({ email, ...attributes }),
      };
      const { context } = await idp.createLoginResponse(
        sp,
        { extract: { request: { id: request.requestId } } },
        'post',
        { email },
        // The statements are XML already (their values escaped above); every other value is escaped here.
        (template) => ({
          id: values.ID,
          context: template.replace(/\{(\w+)\}/g, (tag, name) => {
            if (!(name in values)) return tag;
            return name.endsWith('Statement') ? values[name] : escape(values[name]);
          }),
        }),
      );
      page(res, 200, `<h1>Test identity provider</h1><form method="post" action="${escape(request.acs)}">
        <input type="hidden" name="SAMLResponse" value="${context}">
        <input type="hidden" name="RelayState" value="${escape(request.relayState)}">
        <button type="submit">Continue</button></form>`);
    } else {
      page(res, 404, '<h1>Not found</h1>');
    }
  }
  process.stdout.write(`${JSON.stringify({ url, entity_id: entityId, sso_url: `${url}/sso` })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

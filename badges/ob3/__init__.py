"""Open Badges 3.0 / Verifiable Credentials cryptographic core.

Pure Python, no Django and no database: pinned JSON-LD contexts, did:web documents, Ed25519 keys,
the eddsa-rdfc-2022 Data Integrity proof, Bitstring Status Lists and a verifier. Callers (the
Django apps) supply keys, DID documents and status lists; nothing here touches the network.
"""

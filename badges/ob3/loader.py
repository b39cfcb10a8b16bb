"""A JSON-LD document loader that serves only the pinned contexts and never touches the network."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from c14n.Canonicalize import canonicalize
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdProcessor
from pyld.resolved_context import ResolvedContext

from lms.memo import ProcessLRU

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
DID_V1 = "https://www.w3.org/ns/did/v1"
BITSTRING_STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"

PINNED_CONTEXT_FILES: dict[str, str] = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    DID_V1: "did-v1.jsonld",
    BITSTRING_STATUS_LIST_V1: "bitstring-status-list-v1.jsonld",
}


class ContextNotAllowedError(Exception):
    """Raised for any URL that is not one of the pinned contexts."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD document {url!r} is not one of the pinned contexts; "
            "refusing to load it (this loader never uses the network)."
        )
        self.url = url


class _IdentityKeyedContextResolver(ContextResolver):
    """pyld's ContextResolver, but the cache key of an embedded context object is computed once per object.

    pyld keys an embedded (type-scoped) context by its JSON canonical form (RFC 8785), computed again on every
    lookup: nine times a credential, about a fifth of signing one. The objects it meets are those of the resolved
    contexts this loader caches, so the same objects come back; their keys are remembered by identity, with the
    object itself, so that an id is never reused for another object while its key is remembered.
    """

    def __init__(self, shared_cache: ProcessLRU[Any], document_loader: Any, keys: ProcessLRU[Any]) -> None:
        super().__init__(shared_cache, document_loader)
        self._keys = keys

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: set[str] | None = None) -> list[Any]:
        if isinstance(context, Mapping) and "@context" in context:
            context = context["@context"]
        cycles = set() if cycles is None else cycles
        resolved: list[Any] = []
        for ctx in context if isinstance(context, list) else [context]:
            if isinstance(ctx, Mapping):  # dict, or pyld's frozendict
                resolved.append(self._embedded(ctx))
            else:  # a URL, or null: pyld's own way
                resolved.extend(super().resolve(active_ctx, ctx, base, cycles))
        return resolved

    def _embedded(self, ctx: Any) -> ResolvedContext:
        remembered = self._keys.get(id(ctx))
        if remembered is not None and remembered[0] is ctx:
            key = remembered[1]
        else:
            key = canonicalize(dict(ctx)).decode("UTF-8")
            self._keys[id(ctx)] = (ctx, key)
        found = self._get(key)
        if not found:
            found = ResolvedContext(ctx)
            self._cache_resolved_context(key, found, "static")
        return found


class PinnedDocumentLoader:
    """A pyld document loader (`loader(url, options)`) over a fixed URL -> document map.

    Documents are parsed once and kept. Each loader also owns its resolved-context cache, so
    contexts resolved through one loader are never visible through another (pyld's module-level
    cache is shared by every caller in the process).
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents: dict[str, Any] = dict(documents)
        self._resolved_contexts: ProcessLRU[Any] = ProcessLRU(64)
        self._context_keys: ProcessLRU[Any] = ProcessLRU(256)
        # Shapes of documents that `terms.dropped_terms_by_shape` found fully defined by these contexts.
        self._clean_shapes: ProcessLRU[Any] = ProcessLRU(4096)

    @classmethod
    def from_files(cls, files: Mapping[str, Path]) -> PinnedDocumentLoader:
        return cls({url: json.loads(path.read_text(encoding="utf-8")) for url, path in files.items()})

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._documents)

    def with_documents(self, extra: Mapping[str, Any]) -> PinnedDocumentLoader:
        """A new loader serving these documents as well (for tests and test vectors)."""
        return PinnedDocumentLoader({**self._documents, **extra})

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        try:
            document = self._documents[url]
        except KeyError:
            raise ContextNotAllowedError(url) from None
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            # A copy: pyld may rewrite relative context URLs in what it is handed.
            "document": copy.deepcopy(document),
            # "static" lets pyld cache the resolved context (in our own cache, see options()).
            "tag": "static",
        }

    def shape_is_clean(self, shape: str) -> bool:
        return bool(self._clean_shapes.get(shape, False))

    def remember_clean_shape(self, shape: str) -> None:
        self._clean_shapes[shape] = True

    @cached_property
    def term_valued_keys(self) -> frozenset[str]:
        """Keys whose string values are terms (aliases of `@type`, and `@vocab`-typed terms) in any context."""
        keys = {"@type"}
        for name, definition in _term_definitions(self._documents.values()):
            target = definition.get("@id") if isinstance(definition, dict) else definition
            if target == "@type" or (isinstance(definition, dict) and definition.get("@type") == "@vocab"):
                keys.add(name)
        return frozenset(keys)

    def options(self, **extra: Any) -> dict[str, Any]:
        """pyld options using this loader and this loader's private resolved-context cache."""
        return {
            "documentLoader": self,
            "contextResolver": _IdentityKeyedContextResolver(self._resolved_contexts, self, self._context_keys),
            **extra,
        }


class ContextReusingProcessor(JsonLdProcessor):
    """pyld's processor, but a type-scoped context is processed once per parent context, not once per node.

    For a non-propagating (type-scoped) context pyld clones the active context into a new child with a
    new identity on every node, so its cache of processed contexts, keyed by that identity, never hits and
    every credential re-processes the same contexts. Here the child of a given parent is made once and
    reused, so the processed result is cached as pyld intends. Contexts that set `@propagate` keep pyld's
    own path.
    """

    _children: ProcessLRU[Any] = ProcessLRU(512)

    def _process_context(self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
        propagate = kwargs.get("propagate", args[1] if len(args) > 1 else True)
        parent_id = active_ctx.get("_uuid")
        if (
            propagate is False
            and parent_id is not None
            and not active_ctx.get("previousContext")
            and isinstance(local_ctx, dict)
            and "@propagate" not in local_ctx
        ):
            child = self._children.get(parent_id)
            if child is None:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                child["_uuid"] = str(uuid.uuid4())
                self._children[parent_id] = child
            active_ctx = child
        return super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)


def _term_definitions(nodes: Any) -> Iterator[tuple[str, Any]]:
    """Every (term, definition) of every context found anywhere in `nodes` (scoped contexts included)."""
    for node in nodes:
        if isinstance(node, list):
            yield from _term_definitions(node)
        elif isinstance(node, dict):
            context = node.get("@context")
            if isinstance(context, dict):
                yield from context.items()
            yield from _term_definitions(node.values())


_default_loader: PinnedDocumentLoader | None = None


def document_loader() -> PinnedDocumentLoader:
    """The production loader: the six pinned contexts shipped in `badges/ob3/contexts/`."""
    global _default_loader
    if _default_loader is None:
        _default_loader = PinnedDocumentLoader.from_files(
            {url: CONTEXTS_DIR / name for url, name in PINNED_CONTEXT_FILES.items()}
        )
    return _default_loader
